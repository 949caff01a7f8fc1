"""ChangeSet: apply, invert, compose and position mapping (property tests)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from nxedit.model.text.changeset import ChangeSet

ALPHABET = st.sampled_from(list("ab\n\r\té日 "))
texts = st.text(alphabet=ALPHABET, max_size=40)


@st.composite
def text_and_change(draw, text=None):
    if text is None:
        text = draw(texts)
    n = len(text)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=6)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        edits.append((a, b, draw(st.text(alphabet=ALPHABET, max_size=5))))
    if len(cuts) % 2:
        edits.append((cuts[-1], cuts[-1], draw(st.text(alphabet=ALPHABET, min_size=1, max_size=5))))
    return text, ChangeSet.from_edits(n, edits)


def naive_apply(text, edits):
    out, pos = [], 0
    for a, b, t in sorted(edits, key=lambda e: (e[0], e[1])):
        out.append(text[pos:a])
        out.append(t)
        pos = b
    out.append(text[pos:])
    return "".join(out)


@given(text_and_change())
def test_apply_matches_the_edits_it_was_built_from(tc):
    text, cs = tc
    assert cs.apply(text) == naive_apply(text, list(cs.changes()))
    assert len(cs.apply(text)) == cs.len_after


@given(text_and_change())
def test_apply_then_invert_gives_the_original(tc):
    text, cs = tc
    after = cs.apply(text)
    assert cs.invert(text).apply(after) == text


@settings(max_examples=300)
@given(st.data())
def test_compose_equals_applying_in_turn(data):
    text, a = data.draw(text_and_change())
    mid = a.apply(text)
    _, b = data.draw(text_and_change(text=mid))
    ab = a.compose(b)
    assert ab.apply(text) == b.apply(mid)
    # the inverse of a composition undoes both steps
    assert ab.invert(text).apply(ab.apply(text)) == text
    assert b.invert(mid).compose(a.invert(text)).apply(ab.apply(text)) == text


@given(text_and_change(), st.data())
def test_map_pos_keeps_the_character_under_it(tc, data):
    text, cs = tc
    after = cs.apply(text)
    pos = data.draw(st.integers(0, len(text)))
    new = cs.map_pos(pos)
    assert 0 <= new <= len(after)
    # a position outside every changed range still points at the same character
    touched = any(a <= pos <= b for a, b, _ in cs.changes())
    if not touched and pos < len(text):
        assert after[new] == text[pos]


@given(text_and_change(), st.data())
def test_map_pos_is_monotonic_and_composes(tc, data):
    text, cs = tc
    mid = cs.apply(text)
    _, b = data.draw(text_and_change(text=mid))
    p, q = sorted(data.draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=2)))
    for assoc in ("before", "after"):
        assert cs.map_pos(p, assoc) <= cs.map_pos(q, assoc)
        # away from every change (where "which side" is ambiguous), mapping through the
        # composition equals mapping through each step in turn
        m = cs.map_pos(p, assoc)
        if not any(s <= p <= e for s, e, _ in cs.changes()) and not any(s <= m <= e for s, e, _ in b.changes()):
            assert cs.compose(b).map_pos(p, assoc) == b.map_pos(m, assoc)


def test_insertion_point_assoc():
    cs = ChangeSet.insert_at(3, 1, "XY")
    assert cs.map_pos(1, "before") == 1
    assert cs.map_pos(1, "after") == 3
    assert cs.map_pos(2) == 4


def test_position_inside_a_deletion_lands_at_its_start():
    cs = ChangeSet.delete_range(10, 2, 6)
    assert [cs.map_pos(i) for i in range(10)] == [0, 1, 2, 2, 2, 2, 2, 3, 4, 5]


def test_canonical_form_compares_equal():
    a = ChangeSet.from_edits(5, [(1, 3, "xy")])
    b = ChangeSet.insert_at(5, 1, "xy").compose(ChangeSet.delete_range(7, 3, 5))
    assert a == b
    assert a.ops == (1, "xy", -2, 2)


def test_overlapping_edits_are_refused():
    import pytest

    with pytest.raises(ValueError):
        ChangeSet.from_edits(5, [(0, 3, ""), (2, 4, "")])
    with pytest.raises(ValueError):
        ChangeSet.identity(3).apply("four")
