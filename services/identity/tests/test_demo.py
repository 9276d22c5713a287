from sqlalchemy import select

from zikao_identity import demo, models
from zikao_identity.settings import IdentitySettings
from zikao_kit.db import Sessionmaker


async def test_the_demo_gives_zhang_san_the_id_the_other_services_demo_rows_use(
    db: Sessionmaker, settings: IdentitySettings
) -> None:
    await demo.load_reference(db, settings)
    first = await demo.load_demo(db, settings)
    again = await demo.load_demo(db, settings)  # idempotent: the same candidates, printed again
    async with db() as session:
        rows = (await session.execute(select(models.Candidate))).scalars().all()
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {"张三", "李四"}
    assert by_name["张三"].id == demo.DEMO_CANDIDATE_ID
    assert by_name["李四"].id != demo.DEMO_CANDIDATE_ID
    assert first == again
    assert any(by_name["张三"].ticket_number in line for line in first)
