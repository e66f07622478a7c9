"""Issue 14's bounded-input defects, each driven through the real CLI the way the attack drove
it: hostile YAML, huge values, YAML 1.1 quirks, values past what later steps and AWS accept.

Every case asserts the exit code (2: bad input), that the message names the key or the file,
that it is short (values are cut, never expanded), that no traceback is printed, and that the
command answered within a time bound.
"""

from __future__ import annotations

import time

import pytest

from infrakit.cli import main
from infrakit.core.errors import InputError
from infrakit.core.schema import load_scenario
from infrakit.core.schema.limits import MAX_SCENARIO_FILE_BYTES, MAX_USAGE

LINE_LIMIT = 600  # one problem's line, value cut included


def longest_line(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)

BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
       f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)]
    + ["name: *i", ""])


def cost(capsys, tmp_path, text: str, *, command: str = "cost", seconds: float = 10.0) -> tuple[int, str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    code = main([command, str(path)])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert elapsed < seconds, f"{command} took {elapsed:.1f} s on bad input"
    assert "Traceback" not in err
    return code, err


def test_billion_laughs_is_refused_in_a_second_with_a_short_message(tmp_path, capsys):
    assert len(BILLION_LAUGHS) < 700  # the attack's file was 641 bytes
    for command in ("cost", "sweep", "synth"):
        code, err = cost(capsys, tmp_path, BILLION_LAUGHS, command=command, seconds=5)
        assert code == 2, err
        assert "expands to more than" in err and "aliases" in err
        assert longest_line(err) < LINE_LIMIT


def test_a_smaller_alias_bomb_under_the_node_bound_prints_no_huge_message(tmp_path, capsys):
    # 9**4 = 6,561 values: within the node bound, so it reaches validation, whose message must stay short.
    text = "\n".join(BILLION_LAUGHS.splitlines()[:5]) + "\nname: *d\n"
    code, err = cost(capsys, tmp_path, text)
    assert code == 2 and "name:" in err
    assert longest_line(err) < LINE_LIMIT, f"{longest_line(err):,} characters"


def test_a_recursive_alias_is_refused(tmp_path, capsys):
    code, err = cost(capsys, tmp_path, "name: &a [*a]\n")
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize("depth", [65, 990, 5000])
def test_deeply_nested_yaml_is_bad_input(tmp_path, capsys, depth):
    code, err = cost(capsys, tmp_path, "name: " + "[" * depth + "x" + "]" * depth + "\n")
    assert code == 2 and "nests deeper than" in err


def test_a_file_past_the_size_bound_is_refused_before_parsing(tmp_path, capsys):
    text = "name: x\n# " + "x" * MAX_SCENARIO_FILE_BYTES + "\n"
    code, err = cost(capsys, tmp_path, text, seconds=3)
    assert code == 2 and f"at most {MAX_SCENARIO_FILE_BYTES:,} bytes" in err


def test_duplicate_keys_are_refused_naming_the_key(tmp_path, capsys):
    code, err = cost(capsys, tmp_path, "az_count: 2\naz_count: 3\n")
    assert code == 2 and "'az_count' appears twice" in err


def test_base_60_numbers_are_text_not_ninety(tmp_path, capsys):
    """YAML 1.1 reads 1:30 as 90; the kit reads the text and says the key wants a number."""
    code, err = cost(capsys, tmp_path, "nat_data_gb_per_month: 1:30\n")
    assert code == 2 and "nat_data_gb_per_month" in err and "'1:30'" in err
    code, err = cost(capsys, tmp_path, "reader_count: 1:30\n")
    assert code == 2 and "reader_count" in err and "90" not in err


@pytest.mark.parametrize("value", ["10000-01-01", "10000-01", "9999-12-01", "0001-01-01", "1999-12-01", "2101-01-01",
                                   "2027-13-01", "2027-01"])
def test_start_dates_outside_the_years_the_kit_prices_are_refused(tmp_path, capsys, value):
    code, err = cost(capsys, tmp_path, f"start_date: {value}\n")
    assert code == 2 and "start_date" in err, err


@pytest.mark.parametrize("text,value", [("1e3", 1000.0), ("1.5E+2", 150.0), ("2.5e-1", 0.25), ("1_000", 1000.0)])
def test_numbers_in_yaml_1_2_forms_are_numbers(tmp_path, text, value):
    path = tmp_path / "s.yaml"
    path.write_text(f"nat_data_gb_per_month: {text}\n")
    assert load_scenario(path)["nat_data_gb_per_month"] == value


def test_a_leading_zero_is_decimal_not_octal(tmp_path):
    """YAML 1.1 reads 010 as 8; YAML 1.2 (and every reader of the file) means 10. 0o10 is octal."""
    path = tmp_path / "s.yaml"
    path.write_text("horizon_months: 010\n")
    assert load_scenario(path)["horizon_months"] == 10
    path.write_text("horizon_months: 0o10\n")
    assert load_scenario(path)["horizon_months"] == 8


def test_start_dates_at_the_edges_are_accepted():
    for value in ("2000-01-01", "2100-12-01"):
        scenario = {"start_date": value}
        from infrakit.core.schema import validate_scenario

        assert validate_scenario(scenario)["start_date"] == value


@pytest.mark.parametrize("key", ["nat_data_gb_per_month", "internet_egress_gb_per_month", "aurora_storage_gb",
                                 "log_ingest_gb_per_month"])
def test_usage_past_the_cap_is_refused(tmp_path, capsys, key):
    code, err = cost(capsys, tmp_path, f"{key}: 1.0e11\n")  # YAML 1.2 float syntax (1.1 needs e+11)
    assert code == 2 and key in err and "above the maximum" in err
    assert MAX_USAGE == 1e9


def test_usage_at_the_cap_is_accepted():
    from infrakit.core.schema import validate_scenario

    assert validate_scenario({"nat_data_gb_per_month": MAX_USAGE})["nat_data_gb_per_month"] == MAX_USAGE


@pytest.mark.parametrize("image,ok", [
    ("", False),
    ("x" * 255, True),
    ("x" * 256, False),
    ("a" * 1_000_000, False),
    ("public.ecr.aws/nginx/nginx:stable", True),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:" + "a" * 64, True),
    ("nginx stable", False),
    ("nginx\n", False),
])
def test_container_image_is_checked_to_ecs_limits(tmp_path, capsys, image, ok):
    """ECS refuses image names longer than 255 characters; a 1 MB one must not reach synth."""
    path = tmp_path / "s.yaml"
    import json

    path.write_text(f"container_image: {json.dumps(image)}\n")
    if ok:
        assert load_scenario(path)["container_image"] == image
        return
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "container_image" in text and longest_line(text) < LINE_LIMIT


def test_a_huge_value_in_a_message_is_cut_and_its_length_said(tmp_path, capsys):
    code, err = cost(capsys, tmp_path, f"name: {'n' * 900_000}\n")
    assert code == 2 and "name:" in err and "900,000 characters" in err
    assert longest_line(err) < LINE_LIMIT


def test_an_unknown_huge_key_is_named_cut(tmp_path, capsys):
    code, err = cost(capsys, tmp_path, f"{'k' * 1000}: 1\n")
    assert code == 2 and "not a scenario key" in err and "kkkk" in err and longest_line(err) < LINE_LIMIT
    # Past YAML's 1,024-character simple keys: malformed YAML, with the position.
    code, err = cost(capsys, tmp_path, f"{'k' * 100_000}: 1\n")
    assert code == 2 and "line 1, column 100001" in err and longest_line(err) < LINE_LIMIT


def test_every_problem_at_once_each_naming_its_key(tmp_path, capsys):
    code, err = cost(capsys, tmp_path, "az_count: many\nstart_date: 10000-01-01\nnat_data_gb_per_month: 1:30\n"
                                       "container_image: ''\n")
    assert code == 2
    for key in ("az_count", "start_date", "nat_data_gb_per_month", "container_image"):
        assert key in err
    assert "4 problems" in err


def test_synth_out_never_deletes_a_folder_the_kit_did_not_write(tmp_path, capsys, monkeypatch):
    from infra_lib.cdk import synth as synth_module

    monkeypatch.setattr(synth_module, "_synth_one", lambda *a: pytest.fail("synthesis started on bad input"))
    own = tmp_path / "mine"
    own.mkdir()
    (own / "keep.txt").write_text("precious")
    (own / ".git").mkdir()
    scenario = tmp_path / "dev.yaml"
    scenario.write_text("environment_suffix: boundtest\n")
    assert main(["synth", str(scenario), "--out", str(own)]) == 2
    err = capsys.readouterr().err
    assert str(own) in err and "Traceback" not in err
    assert (own / "keep.txt").read_text() == "precious" and (own / ".git").is_dir()
