"""The services' demo data agree on who the demo candidate is: records' results of 张三 are kept
under the id identity's demo gives 张三 (no service reads another's tables)."""

from zikao_identity import demo as identity_demo
from zikao_records import demo as records_demo


def test_records_demo_results_belong_to_identitys_demo_candidate() -> None:
    assert records_demo.DEMO_CANDIDATE_ID == identity_demo.DEMO_CANDIDATE_ID
    assert identity_demo.DEMO_IDS[identity_demo.DEMO_CANDIDATES[0].id_number] == (
        identity_demo.DEMO_CANDIDATE_ID
    )
    assert identity_demo.DEMO_CANDIDATES[0].name == "张三"
