from zikao_kit import errors
from zikao_kit.problems import InvalidInput, NotFound, RateLimited, problem_from_error


class SeatTakenError(errors.ConflictError):
    code = "seat_taken"


def test_errors_map_to_their_typed_problems() -> None:
    invalid = problem_from_error(errors.InvalidInputError("phone", "请填写手机号"))
    assert isinstance(invalid, InvalidInput)
    assert (invalid.code, invalid.field, invalid.message) == (
        "invalid_input",
        "phone",
        "请填写手机号",
    )
    limited = problem_from_error(errors.RateLimitedError(30))
    assert isinstance(limited, RateLimited)
    assert limited.retry_after_seconds == 30
    assert isinstance(problem_from_error(errors.NotFoundError()), NotFound)


def test_a_subclass_keeps_its_own_code() -> None:
    problem = problem_from_error(SeatTakenError("座位已被占用"))
    assert (problem.code, problem.message) == ("seat_taken", "座位已被占用")
