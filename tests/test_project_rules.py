"""The rules of dbt-project-evaluator that apply to this project, checked on
the manifest of one `dbt parse` (dbt Hub is out of reach, so no dbt
package: the rules are pure functions of the manifest dict, below, each
with a unit test on a small hand-made manifest).

A rule lists its offending nodes by name. A node the project breaks a rule
with on purpose, or that only a change of models would fix, is recorded in
EXCEPTIONS with the reason and in docs/project_rules.md; any other node
fails the rule's test, and an exception that is no longer needed fails too,
so the list can only shrink.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from orchestration.warehouse import PROJECT_DIR, run_dbt

PACKAGE = "retention"
RULES_DOC = PROJECT_DIR / "docs" / "project_rules.md"

# dbt-project-evaluator's variables, with its defaults
MODELS_FANOUT_THRESHOLD = 3  # models_fanout_threshold
TOO_MANY_JOINS_THRESHOLD = 7  # too_many_joins_threshold

# Layers whose models must have a primary-key test.
PRIMARY_KEY_LAYERS = ("intermediate", "marts")
# A primary key on one column: both tests on it (primary_key_test_macros' first entry).
COLUMN_KEY_TESTS = {"unique", "not_null"}
# A composite key: the project's generic test tests/dbt/generic/assert_unique_combination.sql,
# or dbt_utils' (primary_key_test_macros' second entry).
COMBINATION_KEY_TESTS = {"assert_unique_combination", "unique_combination_of_columns"}
# Layers whose model descriptions tests/test_docs.py already checks (with
# every column the warehouse has): the rule here covers the others.
DESCRIPTIONS_CHECKED_BY_TEST_DOCS = ("marts",)

# Resource types that are nodes of the DAG (tests and unit tests are not:
# they never make a model a parent or take away its being a leaf).
DAG_PARENT_TYPES = ("model", "seed", "source", "snapshot")

# Rule name -> {node name: why the node may break the rule}. Reasons checked
# against the models; docs/project_rules.md lists the same.
EXCEPTIONS: dict[str, dict[str, str]] = {
    "too_many_joins": {
        "int_customer_actions_proposed": (
            "8 parents: the one model that proposes each customer's actions per as-of date, from four "
            "intermediate models (lifecycle, RFM, value, as-of dates), the churn reasons "
            "(stg_raw__churn_reasons) and three lookup seeds (value_classes, churn_reason_taxonomy, playbook); "
            "splitting it changes models"
        ),
    },
    "missing_primary_key_tests": {
        "int_business_rules_resolved": (
            "a single row (the business_presets row named by var business_type), which the singular test "
            "tests/dbt/assert_business_type_is_a_preset.sql enforces (it fails unless the model has exactly "
            "one row): the grain is the table itself, there is no key column for a generic test"
        ),
        "int_transactions_validated": (
            "one row per raw row, keyed on (source_file, source_row_number), both not_null-tested and unique "
            "by construction (each file's rows are numbered as it is read; a changed file's rows are replaced "
            "as a whole); a uniqueness test would scan every raw row of the history on every run"
        ),
    },
}

# What to do about a violation, per rule (dbt-project-evaluator's remediation).
FIXES = {
    "root_models": "give the model a parent: select from a staging model with ref(), or from a source() "
                   "in a staging model (a seed counts as a parent too)",
    "staging_reads_only_sources": "a staging model selects from one source() only: move the join with another "
                                  "model or seed to an intermediate model",
    "sources_read_only_by_staging": "add (or use) a staging model for the source and ref() it instead",
    "model_fanout": f"more than {MODELS_FANOUT_THRESHOLD} leaf models read this one: move the shared logic "
                    "into an intermediate model, or the leaves' work downstream (BI)",
    "too_many_joins": f"more than {TOO_MANY_JOINS_THRESHOLD} direct parents: join some of them in an "
                      "intermediate model first",
    "missing_primary_key_tests": "test the model's grain: unique + not_null on one column, "
                                 "assert_unique_combination on the key columns, or a primary_key constraint",
    "undocumented_models": "describe the model in its _*__models.yml",
    "marts_read_intermediate_or_marts": "read the staging model (or source) in an intermediate model and ref() "
                                        "that from the mart",
}


# --- the manifest --------------------------------------------------------------------------------

def resource_type(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def project_models(manifest: dict) -> dict[str, dict]:
    """The models of this package, by unique id."""
    return {unique_id: node for unique_id, node in manifest["nodes"].items()
            if node["resource_type"] == "model" and node["package_name"] == PACKAGE}


def layer(node: dict) -> str:
    """The folder under models/ (staging, intermediate, marts; '' at the top)."""
    parts = PurePosixPath(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 else ""


def is_staging(node: dict) -> bool:
    return layer(node) == "staging" or node["name"].startswith("stg_")


def label(manifest: dict, unique_id: str) -> str:
    """A parent's name as the SQL spells it: a model's or seed's name, source('x', 'y')."""
    if unique_id in manifest.get("sources", {}):
        source = manifest["sources"][unique_id]
        return f"source('{source['source_name']}', '{source['name']}')"
    node = manifest["nodes"].get(unique_id)
    return node["name"] if node else unique_id


def parents(node: dict) -> list[str]:
    """The direct parents in the DAG: refs (models, seeds, snapshots) and sources."""
    return sorted({p for p in node["depends_on"]["nodes"] if resource_type(p) in DAG_PARENT_TYPES})


def children_map(manifest: dict) -> dict[str, set[str]]:
    """Every DAG node's direct children: nodes other than tests, exposures and metrics."""
    children: dict[str, set[str]] = {}
    dependants = [node for node in manifest["nodes"].values() if node["resource_type"] != "test"]
    dependants += list(manifest.get("exposures", {}).values()) + list(manifest.get("metrics", {}).values())
    for node in dependants:
        for parent in node.get("depends_on", {}).get("nodes", []):
            children.setdefault(parent, set()).add(node["unique_id"])
    return children


def model_tests(manifest: dict) -> dict[str, list[dict]]:
    """The generic tests attached to each node: [{name, column_name}]."""
    tests: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        attached = node.get("attached_node") or next(
            (p for p in node["depends_on"]["nodes"] if resource_type(p) == "model"), None)
        if attached:
            tests.setdefault(attached, []).append(
                {"name": node["test_metadata"]["name"], "column_name": node.get("column_name")})
    return tests


# --- the rules: {node name: what is wrong} -------------------------------------------------------

def root_models(manifest: dict) -> dict[str, str]:
    """fct_root_models: a model with no parent (no ref() or source(); a seed is a parent)."""
    return {node["name"]: "no ref() or source(): nothing in the DAG feeds it"
            for node in project_models(manifest).values() if not parents(node)}


def staging_reads_only_sources(manifest: dict) -> dict[str, str]:
    """fct_staging_dependent_on_staging / _on_marts_or_intermediate: a staging
    model ref()s another model or a seed (it should select from source() only)."""
    found = {}
    for node in project_models(manifest).values():
        if not is_staging(node):
            continue
        refs = [label(manifest, p) for p in parents(node) if resource_type(p) != "source"]
        if refs:
            found[node["name"]] = "refs " + ", ".join(refs)
    return found


def sources_read_only_by_staging(manifest: dict) -> dict[str, str]:
    """fct_marts_or_intermediate_dependent_on_source: a model outside staging reads a source()."""
    found = {}
    for node in project_models(manifest).values():
        if is_staging(node):
            continue
        sources = [label(manifest, p) for p in parents(node) if resource_type(p) == "source"]
        if sources:
            found[node["name"]] = "reads " + ", ".join(sources)
    return found


def model_fanout(manifest: dict, threshold: int = MODELS_FANOUT_THRESHOLD) -> dict[str, str]:
    """fct_model_fanout: a parent with more than `threshold` direct children that
    are leaf models (models with no child of their own; tests do not count, an
    exposure does: a model an exposure reads is not a leaf)."""
    models = project_models(manifest)
    children = children_map(manifest)
    found = {}
    for parent, direct in children.items():
        leaves = sorted(models[c]["name"] for c in direct if c in models and not children.get(c))
        if len(leaves) > threshold:
            found[label(manifest, parent)] = f"{len(leaves)} leaf children: " + ", ".join(leaves)
    return found


def too_many_joins(manifest: dict, threshold: int = TOO_MANY_JOINS_THRESHOLD) -> dict[str, str]:
    """fct_too_many_joins: a model with more than `threshold` direct parents (refs and sources)."""
    found = {}
    for node in project_models(manifest).values():
        direct = parents(node)
        if len(direct) > threshold:
            found[node["name"]] = f"{len(direct)} parents: " + ", ".join(label(manifest, p) for p in direct)
    return found


def has_primary_key(node: dict, tests: list[dict]) -> bool:
    """unique + not_null on one column, a unique-combination test, or a primary_key constraint."""
    if any(test["name"] in COMBINATION_KEY_TESTS for test in tests):
        return True
    per_column: dict[str, set[str]] = {}
    for test in tests:
        if test["column_name"]:
            per_column.setdefault(test["column_name"], set()).add(test["name"])
    if any(COLUMN_KEY_TESTS <= names for names in per_column.values()):
        return True
    constraints = list(node.get("constraints") or [])
    for column in node.get("columns", {}).values():
        constraints += column.get("constraints") or []
    return any(constraint.get("type") == "primary_key" for constraint in constraints)


def missing_primary_key_tests(manifest: dict) -> dict[str, str]:
    """fct_missing_primary_key_tests, on the intermediate and mart models."""
    tests = model_tests(manifest)
    return {node["name"]: "no unique + not_null column, unique-combination test or primary_key constraint"
            for unique_id, node in project_models(manifest).items()
            if layer(node) in PRIMARY_KEY_LAYERS and not has_primary_key(node, tests.get(unique_id, []))}


def undocumented_models(manifest: dict) -> dict[str, str]:
    """fct_undocumented_models, outside the layers tests/test_docs.py checks."""
    return {node["name"]: "empty description" for node in project_models(manifest).values()
            if layer(node) not in DESCRIPTIONS_CHECKED_BY_TEST_DOCS and not (node.get("description") or "").strip()}


def marts_read_intermediate_or_marts(manifest: dict) -> dict[str, str]:
    """A mart reads intermediate models, other marts (and seeds), never a
    staging model or a source: the layer between raw rows and marts."""
    models = project_models(manifest)
    found = {}
    for node in models.values():
        if layer(node) != "marts":
            continue
        upstream = [label(manifest, p) for p in parents(node)
                    if resource_type(p) == "source" or (p in models and is_staging(models[p]))]
        if upstream:
            found[node["name"]] = "reads " + ", ".join(upstream)
    return found


RULES = {
    "root_models": root_models,
    "staging_reads_only_sources": staging_reads_only_sources,
    "sources_read_only_by_staging": sources_read_only_by_staging,
    "model_fanout": model_fanout,
    "too_many_joins": too_many_joins,
    "missing_primary_key_tests": missing_primary_key_tests,
    "undocumented_models": undocumented_models,
    "marts_read_intermediate_or_marts": marts_read_intermediate_or_marts,
}


def new_violations(rule: str, manifest: dict, exceptions: dict = EXCEPTIONS) -> dict[str, str]:
    allowed = exceptions.get(rule, {})
    return {name: why for name, why in RULES[rule](manifest).items() if name not in allowed}


def stale_exceptions(rule: str, manifest: dict, exceptions: dict = EXCEPTIONS) -> list[str]:
    return sorted(set(exceptions.get(rule, {})) - set(RULES[rule](manifest)))


def assert_rule_holds(rule: str, manifest: dict) -> None:
    found = new_violations(rule, manifest)
    listing = "\n".join(f"  - {name}: {why}" for name, why in sorted(found.items()))
    assert not found, (
        f"rule {rule} is broken by {len(found)} node(s):\n{listing}\n"
        f"Fix: {FIXES[rule]}.\n"
        f"(A deliberate exception goes into EXCEPTIONS['{rule}'] in tests/test_project_rules.py "
        f"with its reason, and into docs/project_rules.md.)"
    )


# --- the project's manifest ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("project_rules")
    target = root / "target"
    result = run_dbt(["parse"], warehouse=root / "warehouse.duckdb", target_path=target)
    assert result.success, result.output[-3000:]
    return json.loads((target / "manifest.json").read_text())


def test_the_project_has_models_in_every_layer(manifest):
    # the rules read layers from paths: a moved folder must not make them vacuous
    layers = {layer(node) for node in project_models(manifest).values()}
    assert {"staging", "intermediate", "marts"} <= layers


def test_root_models(manifest):
    assert_rule_holds("root_models", manifest)


def test_staging_reads_only_sources(manifest):
    assert_rule_holds("staging_reads_only_sources", manifest)


def test_sources_read_only_by_staging(manifest):
    assert_rule_holds("sources_read_only_by_staging", manifest)


def test_model_fanout(manifest):
    assert_rule_holds("model_fanout", manifest)


def test_too_many_joins(manifest):
    assert_rule_holds("too_many_joins", manifest)


def test_missing_primary_key_tests(manifest):
    assert_rule_holds("missing_primary_key_tests", manifest)


def test_undocumented_models(manifest):
    assert_rule_holds("undocumented_models", manifest)


def test_marts_read_intermediate_or_marts(manifest):
    assert_rule_holds("marts_read_intermediate_or_marts", manifest)


def test_every_exception_is_still_needed(manifest):
    stale = {rule: names for rule in EXCEPTIONS if (names := stale_exceptions(rule, manifest))}
    assert not stale, (
        f"these nodes no longer break their rule: remove them from EXCEPTIONS in "
        f"tests/test_project_rules.py and from docs/project_rules.md: {stale}"
    )


def test_exceptions_name_rules_and_give_reasons():
    assert set(EXCEPTIONS) <= set(RULES), set(EXCEPTIONS) - set(RULES)
    assert set(FIXES) == set(RULES)
    assert all(why.strip() for exceptions in EXCEPTIONS.values() for why in exceptions.values())


def test_every_rule_and_exception_is_in_the_rules_doc():
    text = RULES_DOC.read_text(encoding="utf-8")
    missing = [rule for rule in RULES if f"`{rule}`" not in text]
    missing += [f"{rule}: {name}" for rule, names in EXCEPTIONS.items() for name in names if f"`{name}`" not in text]
    assert not missing, f"docs/project_rules.md does not mention: {missing}"
    assert f"{MODELS_FANOUT_THRESHOLD}" in text and f"{TOO_MANY_JOINS_THRESHOLD}" in text


# --- each rule catches a violation: small hand-made manifests ------------------------------------

def fake_model(name: str, folder: str, parents: tuple[str, ...] = (), description: str = "Described.",
               constraints: list | None = None) -> dict:
    path = f"models/{folder}/{name}.sql" if folder else f"models/{name}.sql"
    return {"unique_id": f"model.{PACKAGE}.{name}", "resource_type": "model", "package_name": PACKAGE,
            "name": name, "original_file_path": path, "description": description,
            "depends_on": {"nodes": list(parents)}, "columns": {}, "constraints": constraints or []}


def fake_seed(name: str) -> dict:
    return {"unique_id": f"seed.{PACKAGE}.{name}", "resource_type": "seed", "package_name": PACKAGE,
            "name": name, "original_file_path": f"seeds/{name}.csv", "depends_on": {"nodes": []}}


def fake_test(test_name: str, model: str, column: str | None = None) -> dict:
    unique_id = f"test.{PACKAGE}.{test_name}_{model}_{column}"
    return {"unique_id": unique_id, "resource_type": "test", "package_name": PACKAGE, "name": unique_id,
            "original_file_path": "models/x.yml", "depends_on": {"nodes": [f"model.{PACKAGE}.{model}"]},
            "test_metadata": {"name": test_name, "namespace": None, "kwargs": {}},
            "attached_node": f"model.{PACKAGE}.{model}", "column_name": column}


def fake_manifest(*nodes: dict, exposures: tuple[dict, ...] = ()) -> dict:
    source = {"unique_id": "source.retention.raw.orders", "resource_type": "source", "source_name": "raw",
              "name": "orders", "package_name": PACKAGE}
    return {"nodes": {node["unique_id"]: node for node in nodes},
            "sources": {source["unique_id"]: source},
            "exposures": {exposure["unique_id"]: exposure for exposure in exposures}}


SOURCE = "source.retention.raw.orders"


def ref(name: str, kind: str = "model") -> str:
    return f"{kind}.{PACKAGE}.{name}"


def test_rule_root_models_catches_a_model_with_no_parent():
    manifest = fake_manifest(fake_seed("lookup"), fake_model("stg_raw__orders", "staging", (SOURCE,)),
                             fake_model("int_from_seed", "intermediate", (ref("lookup", "seed"),)),
                             fake_model("orphan", "marts"))
    assert set(root_models(manifest)) == {"orphan"}


def test_rule_staging_reads_only_sources_catches_refs_to_models_and_seeds():
    manifest = fake_manifest(fake_seed("lookup"), fake_model("stg_raw__orders", "staging", (SOURCE,)),
                             fake_model("stg_raw__lines", "staging", (SOURCE, ref("stg_raw__orders"))),
                             fake_model("stg_raw__codes", "staging", (ref("lookup", "seed"),)))
    assert staging_reads_only_sources(manifest) == {"stg_raw__lines": "refs stg_raw__orders",
                                                    "stg_raw__codes": "refs lookup"}


def test_rule_sources_read_only_by_staging_catches_a_source_downstream():
    manifest = fake_manifest(fake_model("stg_raw__orders", "staging", (SOURCE,)),
                             fake_model("int_orders_joined", "intermediate", (ref("stg_raw__orders"), SOURCE)))
    assert sources_read_only_by_staging(manifest) == {"int_orders_joined": "reads source('raw', 'orders')"}


def test_rule_model_fanout_catches_more_leaves_than_the_threshold():
    hub = fake_model("int_hub", "intermediate", (SOURCE,))
    leaves = [fake_model(f"mart_{i}", "marts", (ref("int_hub"),)) for i in range(MODELS_FANOUT_THRESHOLD + 1)]
    read_by_exposure = {"unique_id": "exposure.retention.report", "resource_type": "exposure",
                        "depends_on": {"nodes": [ref("mart_0")]}}
    manifest = fake_manifest(hub, *leaves, fake_test("not_null", "mart_1", "id"))
    assert set(model_fanout(manifest)) == {"int_hub"}
    assert model_fanout(manifest)["int_hub"].startswith(f"{MODELS_FANOUT_THRESHOLD + 1} leaf children")
    # a test does not take away a leaf; an exposure does (a model it reads is not a leaf)
    assert model_fanout(fake_manifest(hub, *leaves, exposures=(read_by_exposure,))) == {}
    assert model_fanout(fake_manifest(hub, *leaves[:MODELS_FANOUT_THRESHOLD])) == {}


def test_rule_too_many_joins_catches_more_parents_than_the_threshold():
    seeds = [fake_seed(f"lookup_{i}") for i in range(TOO_MANY_JOINS_THRESHOLD)]
    wide = fake_model("int_wide", "intermediate", (SOURCE, *(s["unique_id"] for s in seeds)))
    fine = fake_model("int_fine", "intermediate", tuple(s["unique_id"] for s in seeds))
    manifest = fake_manifest(*seeds, wide, fine)
    assert set(too_many_joins(manifest)) == {"int_wide"}


def test_rule_missing_primary_key_tests_accepts_the_three_kinds_of_key():
    models = [fake_model(name, folder, (SOURCE,)) for name, folder in [
        ("int_pair", "intermediate"), ("int_combination", "intermediate"), ("mart_split", "marts"),
        ("mart_none", "marts"), ("stg_raw__orders", "staging")]]
    models.append(fake_model("mart_constraint", "marts", (SOURCE,), constraints=[{"type": "primary_key"}]))
    manifest = fake_manifest(
        *models,
        fake_test("unique", "int_pair", "id"), fake_test("not_null", "int_pair", "id"),
        fake_test("assert_unique_combination", "int_combination"),
        # unique on one column and not_null on another is no key
        fake_test("unique", "mart_split", "a"), fake_test("not_null", "mart_split", "b"),
    )
    # staging is not checked; the pair, the combination test and the constraint are keys
    assert set(missing_primary_key_tests(manifest)) == {"mart_split", "mart_none"}


def test_rule_undocumented_models_catches_an_empty_description():
    manifest = fake_manifest(fake_model("stg_raw__orders", "staging", (SOURCE,), description="  "),
                             fake_model("int_orders", "intermediate", (SOURCE,), description="Orders."),
                             fake_model("mart_orders", "marts", (SOURCE,), description=""))
    # marts are tests/test_docs.py's (with their columns)
    assert set(undocumented_models(manifest)) == {"stg_raw__orders"}


def test_rule_marts_read_intermediate_or_marts_catches_staging_and_sources():
    manifest = fake_manifest(fake_seed("lookup"), fake_model("stg_raw__orders", "staging", (SOURCE,)),
                             fake_model("int_orders", "intermediate", (ref("stg_raw__orders"),)),
                             fake_model("mart_ok", "marts", (ref("int_orders"), ref("lookup", "seed"))),
                             fake_model("mart_from_staging", "marts", (ref("int_orders"), ref("stg_raw__orders"))),
                             fake_model("mart_from_source", "marts", (SOURCE,)))
    assert marts_read_intermediate_or_marts(manifest) == {"mart_from_staging": "reads stg_raw__orders",
                                                          "mart_from_source": "reads source('raw', 'orders')"}


def test_exceptions_allow_only_their_nodes_and_go_stale():
    manifest = fake_manifest(fake_model("orphan", "marts"), fake_model("other_orphan", "marts"))
    exceptions = {"root_models": {"orphan": "why", "gone": "no longer a root model"}}
    assert set(new_violations("root_models", manifest, exceptions)) == {"other_orphan"}
    assert stale_exceptions("root_models", manifest, exceptions) == ["gone"]
    with pytest.raises(AssertionError, match="other_orphan"):
        assert_rule_holds("root_models", manifest)
