"""Structure-aware fuzzing of whole projects (SPEC §8, issue 14): no crash, no internal error, no hang.

Each example is a generated project of Python, YAML, TOML, JSON and shell files (tests/fuzz_projects.py)
linted twice, cold and from the cache, then rendered in every format. A longer run of the same
generator is `python benchmarks/fuzz.py --minutes 10`.
"""

from __future__ import annotations

from fuzz_projects import check_project, projects
from hypothesis import HealthCheck, given, settings


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(projects())
def test_generated_projects_lint_without_crash_or_internal_error(files):
    check_project(files)


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(projects(min_files=20, max_files=30))
def test_generated_projects_of_many_files_go_through_the_workers(files):
    check_project(files, jobs=2)
