"""The shard split (grading/pipeline/shards.py): i/N is checked, and a student's shard depends on the id and N only."""

import random

import pytest

from grading.__main__ import main
from grading.pipeline import shards


def test_a_shard_is_i_of_n_counted_from_zero():
    assert shards.parse("0/4") == (0, 4) and shards.parse(" 3 / 4 ") == (3, 4)
    for wrong in ("4/4", "-1/4", "1", "a/b", "0/0", "1/4/2"):
        with pytest.raises(shards.ShardError, match=r"0 <= i < N .* give e.g. SHARD=0/4"):
            shards.parse(wrong)


def test_the_split_does_not_depend_on_the_order_or_on_the_other_students():
    students = [f"student{k}" for k in range(500)]
    split = {s: shards.shard_of(s, 7) for s in students}
    shuffled = random.Random(1).sample(students, len(students))
    assert {s: shards.shard_of(s, 7) for s in shuffled[:100]} == {s: split[s] for s in shuffled[:100]}
    sizes = [list(split.values()).count(i) for i in range(7)]
    assert min(sizes) > 500 / 7 / 2, f"a shard gets far less than its share: {sizes}"


def test_bad_shard_arguments_and_a_course_without_gradebook_are_refused_with_the_fix(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--course", str(tmp_path), "autograde", "--shard", "2/2"])
    assert exit_code.value.code == 2 and "give e.g. SHARD=0/4" in capsys.readouterr().err
    assert main(["--course", str(tmp_path), "merge-shards"]) == 2
    assert "release the assignments first (`make release`)" in capsys.readouterr().err
    (tmp_path / "gradebook.db").write_bytes(b"")
    assert main(["--course", str(tmp_path), "merge-shards"]) == 2
    assert "no shard gradebooks in" in capsys.readouterr().err
