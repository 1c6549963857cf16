"""Which stored people a new record is compared with (PersonRepository.candidates), in a register where
a weak blocking key is shared by more people than the limit: the matching record is never the one left
out. On SQLite and PostgreSQL."""

from datetime import date

import pytest

from services.intake.adapters.people import PersonRepository
from services.intake.bootstrap import MIGRATIONS
from services.intake.domain.matching import PersonRecord
from tests import harness

pytestmark = pytest.mark.integration

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Ngọc"]
COMMUNE = "21910"


@pytest.fixture
async def engine(database_url):
    async with harness.migrated_engine(await database_url("intake"), MIGRATIONS) as engine:
        yield engine


async def register(engine, people: list[PersonRecord]) -> None:
    async with engine.begin() as conn:
        repository = PersonRepository(conn)
        for person in people:
            await repository.add(person)


def namesakes(count: int) -> list[PersonRecord]:
    """People called Anh in one commune, born in other years: each shares the given-name-and-commune
    key with every other Anh of the commune, and nothing else with the person we look for. Their ids
    sort before the person's, so an arbitrary cut in index order would keep them."""
    return [PersonRecord(person_id=f"a{i:05d}", full_name=f"{FAMILY[i % 12]} {MIDDLE[i % 5]} Anh",
                         birth_date=date(1960 + i % 30, 1 + i % 12, 1), commune_code=COMMUNE)
            for i in range(count)]


async def candidate_ids(engine, person: PersonRecord) -> list[str]:
    async with engine.connect() as conn:
        return [c.person_id for c in await PersonRepository(conn).candidates(person, limit=50)]


async def test_the_same_person_is_among_the_candidates_when_more_namesakes_share_a_weak_key(engine):
    known = PersonRecord(person_id="z-known", full_name="Nguyễn Thị Anh", birth_date=date(1999, 5, 17),
                         commune_code=COMMUNE)
    await register(engine, namesakes(120) + [known])
    again = PersonRecord(person_id=None, full_name="Nguyễn Thị Anh", birth_date=date(1999, 5, 17),
                         commune_code=COMMUNE)
    found = await candidate_ids(engine, again)
    assert len(found) == 50 and found[0] == "z-known"  # three keys shared; a namesake shares one or two


async def test_a_national_id_match_comes_first_whatever_else_differs(engine):
    known = PersonRecord(person_id="z-known", full_name="Trần Văn Anh", birth_date=date(1988, 2, 3),
                         national_id="052088001234", commune_code="21913")
    await register(engine, namesakes(120) + [known])
    misspelt = PersonRecord(person_id=None, full_name="Tran Anh", birth_date=date(1981, 2, 3),
                            national_id="052088001234", commune_code=COMMUNE)
    found = await candidate_ids(engine, misspelt)
    assert found[0] == "z-known" and len(found) == 50
