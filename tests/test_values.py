"""The value types of core.values: persistent sets on immutables.Map, vectors from pvectorc."""

from collections.abc import Sequence

import pytest

from turmeric.core.values import PSet, PVector, pmap, pset, pvector


def test_set_add_and_discard_leave_the_original_unchanged():
    s = pset([1, 2, 3])
    t = s.add(4)
    u = s.discard(2)
    assert sorted(s) == [1, 2, 3] and sorted(t) == [1, 2, 3, 4] and sorted(u) == [1, 3]
    assert s.add(1) is s and s.discard(99) is s
    with pytest.raises(KeyError):
        s.remove(99)
    assert sorted(s.remove(1)) == [2, 3]


def test_set_equality_and_hash_agree_with_python_sets():
    s = pset(["a", "b", 3])
    assert s == pset([3, "b", "a"]) == {"a", "b", 3} == frozenset({"a", "b", 3})
    assert s != pset(["a", "b"]) and s != {"a"} and s != [3, "a", "b"]
    assert hash(s) == hash(pset([3, "b", "a"])) == hash(frozenset(s))
    assert pmap({s: 1})[pset(["b", 3, "a"])] == 1  # a set is a usable map key
    assert pset([pset([1]), pset([1])]) == pset([pset([1])])


def test_set_operators_give_persistent_sets():
    a, b = pset([1, 2, 3]), pset([3, 4])
    for r, want in ((a | b, {1, 2, 3, 4}), (a & b, {3}), (a - b, {1, 2}), (a ^ b, {1, 2, 4})):
        assert type(r) is PSet and r == want
    assert pset([1]) <= a and not a.isdisjoint(b)
    assert a.update([9, 1]) == {1, 2, 3, 9} and a == {1, 2, 3}


def test_set_of_unhashable_is_a_type_error_and_empty_sets_are_shared():
    with pytest.raises(TypeError):
        pset([[1]])
    assert pset() is pset([]) and len(pset()) == 0 and pset(x for x in ()) == set()


def test_vectors_are_sequences_for_python_code():
    v = pvector([1, 2])
    assert type(v) is PVector and isinstance(v, Sequence) and v.append(3) == pvector([1, 2, 3]) and v == pvector([1, 2])


def test_a_struct_is_one_tuple_object_but_not_a_sequence():
    from turmeric.core.registry import State
    from turmeric.core.values import make_struct_type

    st = make_struct_type("P", ["x", "y"], state=State())
    other = make_struct_type("Q", ["x", "y"], state=State())
    p = st.cls(1, 2)
    assert p[0] == 1 and p.vals == (1, 2) and type(p.vals) is tuple and p.get_field("y") == 2
    # equality and hashing by type and fields, as when the fields were a separate tuple
    assert p == st.cls(1, 2) and not (p != st.cls(1, 2)) and p != other.cls(1, 2) and p != (1, 2) and (1, 2) != p
    assert hash(p) == hash(("P", (1, 2)))
    assert bool(make_struct_type("E", [], state=State()).cls())  # no fields, still true
    for op in (list, len, lambda s: 1 in s, lambda s: s < s, lambda s: s + s, lambda s: s * 2, lambda s: 2 * s):
        with pytest.raises(TypeError):
            op(p)
    with pytest.raises(Exception, match="takes 2 field"):
        st.cls(1)
