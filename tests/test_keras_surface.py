"""docs/keras_surface.md lists every Keras 3 public name with kerafront's status; the table must stay true."""

import pytest

import keras_surface


@pytest.fixture(scope="module")
def table():
    return keras_surface.read_table()


def test_every_name_marked_yes_exists_and_every_no_is_absent_with_a_reason(table):
    wrong = [f"{m}.{n}" for (m, n), (status, _) in table.items()
             if (status == "yes") != (keras_surface.resolve(m, n) is not None)]
    assert not wrong, f"the table's status is wrong for {wrong}; rerun python tests/keras_surface.py"
    assert all(reason for status, reason in table.values() if status == "no")


def test_the_table_lists_exactly_keras_public_names(table):
    pytest.importorskip("keras")
    names = keras_surface.keras_names()
    assert not names - set(table), f"Keras names missing from the table: {sorted(names - set(table))[:20]}"
    assert not set(table) - names, f"names Keras does not have: {sorted(set(table) - names)[:20]}"


def test_at_least_95_percent_of_keras_names_exist(table):
    have = sum(status == "yes" for status, _ in table.values())
    assert len(table) > 1000 and have / len(table) >= 0.95, f"{have} of {len(table)}"
