"""deploy/k8s (Zero to JupyterHub) agrees with the repository: no CI here builds the image or runs the chart,
so at least what they name must exist and match the course's own settings."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def nbgrader_setting(name):
    """The default of ``c.<name>`` in the course's nbgrader_config.py (a string literal)."""
    text = (ROOT / "nbgrader_config.py").read_text()
    return re.search(rf'^c\.{re.escape(name)} = .*?"([^"]+)"\s*$', text, re.M).group(1)


def dockerfile():
    return (K8S / "Dockerfile").read_text()


def test_every_file_the_image_copies_exists():
    copies = re.findall(r"^COPY (?:--\S+ )*(.+) (\S+)$", dockerfile(), re.M)
    assert copies
    for sources, _ in copies:
        for source in sources.split():
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"


def test_image_gives_nbgrader_the_course_id_and_exchange_of_the_course():
    text = dockerfile()
    assert f'c.CourseDirectory.course_id = "{nbgrader_setting("CourseDirectory.course_id")}"' in text
    assert f'c.Exchange.root = "{nbgrader_setting("Exchange.root")}"' in text


def test_values_mount_the_exchange_and_give_each_role_its_configuration():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    mounts = {m["mountPath"] for m in values["singleuser"]["storage"]["extraVolumeMounts"]}
    assert nbgrader_setting("Exchange.root") in mounts
    roles = values["hub"]["extraConfig"]["roles"]
    folder = re.search(r'"JUPYTER_CONFIG_PATH"\] = f"(\S+)/\{role\}"', roles).group(1)
    copied = dict(re.findall(r"^COPY deploy/roles/(\w+) (\S+)$", dockerfile(), re.M))
    assert copied == {role: f"{folder}/{role}" for role in ("instructor", "student")}, (
        f"the roles' configuration folders of the image {copied} are not those the hub names ({folder}/<role>)"
    )
    instructors = set(re.search(r"INSTRUCTORS = \{(.*)\}", roles).group(1).replace('"', "").replace(" ", "").split(","))
    assert instructors <= set(values["hub"]["config"]["Authenticator"]["allowed_users"])
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] != "dummy"


# The grading Jobs (grade-shards.yaml, then merge-shards.yaml): what they run must be a command of grading/__main__.py
# with arguments it accepts, the index of each pod must name the shard the code grades, and every pod must see the
# course where the instructor's server has it.


def jobs():
    return {name: yaml.safe_load((K8S / f"{name}.yaml").read_text()) for name in ("grade-shards", "merge-shards")}


def container(job):
    (only,) = job["spec"]["template"]["spec"]["containers"]
    return only


def argv(job, index):
    """The arguments the container's shell gives ``python -m grading`` in pod ``index`` (its variables expanded)."""
    box = container(job)
    env = {e["name"]: e["value"] for e in box.get("env", [])} | {"JOB_COMPLETION_INDEX": str(index)}
    script = box["command"][-1]
    call = re.search(r"python -m grading ([^;]+)", script).group(1).strip()
    expanded = re.sub(r'"?\$\{(\w+)\}"?', lambda m: env[m.group(1)], call)
    return expanded.split()


def test_the_jobs_run_commands_of_the_grading_cli_with_arguments_it_accepts():
    from grading.__main__ import COMMANDS, parser_for

    grade, merge = jobs()["grade-shards"], jobs()["merge-shards"]
    parsed = parser_for(COMMANDS).parse_args(argv(grade, 0))
    assert parsed.command == "autograde" and parsed.shard
    assert parser_for(COMMANDS).parse_args(argv(merge, 0)).command == "merge-shards"


def test_each_pod_index_grades_its_shard_and_the_merge_expects_them_all():
    from grading.__main__ import COMMANDS, parser_for
    from grading.pipeline import shards

    grade, merge = jobs()["grade-shards"], jobs()["merge-shards"]
    spec = grade["spec"]
    assert spec["completionMode"] == "Indexed"
    count = spec["completions"]
    assert 1 <= spec["parallelism"] <= count
    given = [shards.parse(parser_for(COMMANDS).parse_args(argv(grade, i)).shard) for i in range(count)]
    assert given == [(i, count) for i in range(count)], "pod i must grade shard i of completions"
    assert parser_for(COMMANDS).parse_args(argv(merge, 0)).of == count
    students = [f"s{k:07d}" for k in range(2000)]  # the split covers every student once, every pod has work
    split = [[s for s in students if shards.shard_of(s, n) == i] for i, n in given]
    assert sorted(sum(split, [])) == students and min(map(len, split)) > 0


def test_the_jobs_the_instructor_and_the_course_agree_on_the_course_volume():
    volumes = set()
    for job in jobs().values():
        pod = job["spec"]["template"]["spec"]
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
        mounts = {(claims[m["name"]], m["mountPath"]) for m in container(job)["volumeMounts"]}
        assert container(job)["workingDir"] in {path for _, path in mounts}, "the command runs in the course folder"
        volumes |= mounts
    assert len(volumes) == 1, f"the Jobs mount different volumes: {volumes}"
    ((claim, path),) = volumes
    roles = yaml.safe_load((K8S / "values.yaml").read_text())["hub"]["extraConfig"]["roles"]
    assert f'"claimName": "{claim}"' in roles and f'"mountPath": "{path}"' in roles


def test_the_grading_pods_give_bubblewrap_what_it_needs_and_no_more():
    context = container(jobs()["grade-shards"])["securityContext"]
    pod = jobs()["grade-shards"]["spec"]["template"]["spec"]
    assert pod["hostUsers"] is False and context["procMount"] == "Unmasked"
    assert context["seccompProfile"]["type"] == context["appArmorProfile"]["type"] == "Unconfined"
    assert context["privileged"] is False and context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"] and "SYS_ADMIN" not in context["capabilities"]["add"]
    assert "bubblewrap" in dockerfile()
