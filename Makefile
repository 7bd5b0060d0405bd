# The verbs people and workflows both use. `make help` lists them.
# Needs only Python 3.11+ and pip: uv is installed into .tools/ unless the uv on PATH is the
# version pyproject.toml requires ([tool.uv] required-version, which the workflows read too).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"$$/\1/p' pyproject.toml)
ifndef UV
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
UV_PATH_VERSION := $(if $(UV_ON_PATH),$(word 2,$(shell $(UV_ON_PATH) --version)))
UV := $(if $(filter $(UV_VERSION),$(UV_PATH_VERSION)),$(UV_ON_PATH),$(CURDIR)/.tools/bin/uv)
endif
export UV
VENV ?= $(CURDIR)/.venv
# The pipeline's commands (`classifier …`, also in dvc.yaml) run on the project's environment.
CML_VERSION := 0.20.6
# CML lives in its own folder, named by its version: the comment job caches that folder
# and, when it is restored, installs nothing.
CML_DIR := $(CURDIR)/.tools/cml-$(CML_VERSION)
CML := $(CML_DIR)/node_modules/.bin/cml
export PATH := $(VENV)/bin:$(CML_DIR)/node_modules/.bin:$(PATH)
# uv syncs the environment the verbs run in (VENV), wherever it is.
export UV_PROJECT_ENVIRONMENT := $(VENV)
# This project's machines set PYTHONDONTWRITEBYTECODE; without precompiled bytecode
# every stage pays seconds of imports. uv compiles it once at install (and CI caches it
# with the environment).
UV_COMPILE_BYTECODE ?= 1
export UV_COMPILE_BYTECODE

BASE ?= main
PORT ?= 3000
CHECK ?=
REPORT_DIR ?= report
RECORDS ?=
REFERENCE ?=
SINCE ?=
UNTIL ?=
PYTEST_ARGS ?=
HEAD_SHA ?=
ARTIFACT ?= pr-report
TAG ?=
VERSION ?=
STAGE ?=
EVIDENCE ?=
PUSH ?=
SHADOW ?=
# Every verb calls the CLI as `classifier …` from .venv (after `install`), except the
# few that jobs run before or without installing anything (the comment job holds a
# write token and installs nothing; deploy and rollback need only an HTTP call): those
# commands use the standard library alone and run from src/ with the system Python.
STDLIB_CLI := PYTHONPATH=src $(PYTHON) -m classifier

.PHONY: help
help: ## list the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@echo "installing uv $(UV_VERSION) into .tools/"
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools uv==$(UV_VERSION)

# Which dependency groups `make install` syncs (pyproject.toml): all by default, as the
# suite needs them. A CI job names what its steps import: the pull-request job sets
# ENV_GROUPS=pipeline (the project's own dependencies: the pipeline and the report);
# the scale group joins by itself when params.yaml picks compute.backend: dask.
ENV_GROUPS ?= all
empty :=
space := $(empty) $(empty)
SCALE := $(shell grep -Eqs '^[[:space:]]+backend:[[:space:]]*dask' params.yaml && echo scale)
GROUPS := $(if $(filter all,$(ENV_GROUPS)),all,$(sort pipeline $(ENV_GROUPS) $(SCALE)))
SYNC_GROUPS := $(if $(filter all,$(GROUPS)),,--no-default-groups $(foreach g,$(filter-out pipeline,$(GROUPS)),--group $(g)))
# One stamp per set of groups: a sync to other groups removes packages, and must not
# leave an older stamp saying the environment holds them.
ENV_STAMP := $(VENV)/.synced-$(subst $(space),+,$(GROUPS))

$(ENV_STAMP): pyproject.toml uv.lock | $(UV)
	@echo "syncing .venv with uv.lock ($(GROUPS))"
	@rm -f $(VENV)/.synced-*
	@$(UV) sync --locked --quiet $(SYNC_GROUPS)
	@touch $@

.PHONY: install
install: $(ENV_STAMP) ## create or update the environment (.venv) from uv.lock (ENV_GROUPS=all)

.PHONY: ci-env-key
ci-env-key: ## CI: the environment cache's key (uv.lock, pyproject.toml, Python, OS, groups)
	@echo "key=venv-$${RUNNER_OS:-local}-$${RUNNER_ARCH:-$$(uname -m)}-py$$($(PYTHON) -c 'import platform; print(platform.python_version())')-$(subst $(space),+,$(GROUPS))-$$(cat uv.lock pyproject.toml | sha256sum | cut -c1-32)" | tee -a "$${GITHUB_OUTPUT:-/dev/null}"

.PHONY: check
check: install ## validate params.yaml and the raw data; run nothing
	classifier check

.PHONY: run
run: install ## validate, then reproduce the pipeline (dvc repro)
	classifier run

.PHONY: report
report: install ## compare this working tree's results with BASE (main) into REPORT_DIR (report/); CHECK=1 exits 1 on a failed gate
	classifier report --base $(BASE) --out $(REPORT_DIR) $(if $(CHECK),--check)

.PHONY: bento
bento: install ## import models/model.joblib into the BentoML store and build the bento
	classifier bento

.PHONY: serve
serve: install ## serve the last built bento on http://127.0.0.1:$(PORT) (PORT=3000; make bento first)
	classifier serve --port $(PORT)

.PHONY: smoke
smoke: install ## serve the last bento on 127.0.0.1; its answers must equal the model file's
	classifier smoke

.PHONY: base-image
base-image: install ## build the image's base (Debian + Python 3.11) from the OS mirror, no registry
	classifier image base

.PHONY: image
image: install ## build the service's container image from the last bento (make bento first)
	classifier image build

.PHONY: smoke-image
smoke-image: install ## run the image on 127.0.0.1: readiness, metadata, parity, a 400, a clean stop
	classifier image smoke

.PHONY: push-image
push-image: install ## push the image's names, only if they are the image that passed smoke-image
	classifier image push

.PHONY: predict
predict: install ## score IN=<csv|parquet, path or URL> into OUT=<.parquet|.csv> (MODEL=, ID=, RECORDS=)
	classifier predict "$(IN)" "$(OUT)" $(if $(MODEL),--model $(MODEL)) $(foreach id,$(ID),--id $(id)) \
	  $(if $(RECORDS),--records $(RECORDS))

.PHONY: monitor
monitor: install ## served traffic (RECORDS=, SINCE=1d|2026-11-30|all, UNTIL=) against the model's reference -> monitor/
	classifier monitor $(if $(RECORDS),--records $(RECORDS)) $(if $(REFERENCE),--reference $(REFERENCE)) \
	  $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

.PHONY: pull
pull: install ## dvc pull from the default remote (skipped, with a notice, without credentials)
	classifier pull

.PHONY: push
push: install ## dvc push data and run-cache to the default remote
	classifier push

.PHONY: test
test: lint ## lint, then the whole test suite on two workers (real DVC, servers, containers)
	pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: install ## the inner loop: unit, data and model tests, no DVC run, server or container
	pytest -m "not integration" $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, mypy; workflows against GitHub's schema and zizmor (pre-commit runs this too)
	ruff check --output-format concise .
	ruff format --check .
	mypy
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	zizmor --offline --no-progress .github/workflows

.PHONY: format
format: install ## apply ruff's fixes and formatting
	ruff check --fix .
	ruff format .

.PHONY: catalogue-docs
catalogue-docs: install ## rewrite docs/failure-catalogue.md from tests/catalogue/ and today's messages
	python -m tests.failure_catalogue > docs/failure-catalogue.md

.PHONY: clean
clean: ## remove generated files that are not tracked (keeps .venv and the DVC cache)
	rm -rf $(REPORT_DIR) dvc_plots .pytest_cache .ruff_cache

.PHONY: bench-pipeline
bench-pipeline: install ## time cold and no-op `dvc repro` against one plain Python process
	python -m bench.pipeline

.PHONY: bench-serve
bench-serve: install ## the service vs a hand-written baseline under wrk; soak; schemathesis (needs wrk)
	python -m bench.serve

.PHONY: bench-scale
bench-scale: install ## the pipeline on 100k-10M synthetic rows (1M on Dask too): seconds and peak memory
	python -m bench.scale

.PHONY: bench-monitor
bench-monitor: install ## make monitor on 100k and 1M recorded predictions: seconds and peak memory
	python -m bench.monitor

.PHONY: bench-batch
bench-batch: install ## make predict on 1M and 10M rows beside in-process predict_proba; peak memory
	python -m bench.batch

.PHONY: bench-limits
bench-limits: install ## the service's memory before and after 100 MB bodies it refuses (413)
	python -m bench.limits

.PHONY: bench-image
bench-image: install ## the image: size per layer, build times, cold start, req/s beside the host
	python -m bench.image

.PHONY: bench-ci
bench-ci: install ## replay the pull-request job's steps before, cold and warm: seconds per step
	python -m bench.ci

.PHONY: bench-report
bench-report: install ## time the report on a fresh clone and on a PR; refresh docs/example-report
	python -m bench.report --example docs/example-report

# ---- GitHub Actions steps (.github/workflows); each `run:` step is one of these. ----

.PHONY: ci-report
ci-report: install ## CI: reproduce the pipeline and write report/ (a failed gate does not stop here)
	classifier report --reproduce --base $(BASE) --out $(REPORT_DIR) $(if $(HEAD_SHA),--head-sha $(HEAD_SHA))

.PHONY: ci-warm
ci-warm: install ## CI (main): reproduce main's results into the DVC cache pull requests restore
	classifier run

.PHONY: ci-summary
ci-summary: install ## CI: the report without images into the job summary
	classifier ci summary --out $(REPORT_DIR)

.PHONY: ci-pr-info
ci-pr-info: install ## CI: the PR number and head commit into the report artifact
	classifier ci pr-info --out $(REPORT_DIR)

.PHONY: ci-gate
ci-gate: install ## CI: fail the job when the quality gate failed
	classifier ci gate --out $(REPORT_DIR)

.PHONY: cloud-runner
cloud-runner: ## CI (opt-in): a cloud runner for this run's reproduce job (cml runner launch; standard library only)
	$(STDLIB_CLI) cloud-runner

.PHONY: cml-install
cml-install: $(CML) ## CI (comment job, cloud runner): install the CML CLI (nothing when its folder is there)

$(CML):
	npm install --prefix $(CML_DIR) --no-audit --no-fund @dvcorg/cml@$(CML_VERSION)

.PHONY: ci-comment
ci-comment: ## CI (comment job): check ARTIFACT and post it on its PR (standard library only)
	$(STDLIB_CLI) comment $(ARTIFACT)

.PHONY: release-check
release-check: install ## CI: reproduce; refuse to publish if metrics differ from the committed ones
	classifier release check

.PHONY: image-tags
image-tags: install ## CI: image names for this push (sha-<short> + main, or X.Y.Z + latest)
	classifier release tags

.PHONY: release-assets
release-assets: install ## CI: model card and exported bento for the GitHub release
	classifier release assets

.PHONY: registry
registry: install ## the model registry: versions, the stages they hold, their image digests (GTO tags)
	classifier registry

.PHONY: promote
promote: install ## check the promotion rules, then tag VERSION into STAGE (EVIDENCE=, REFERENCE=, PUSH=1)
	classifier promote $(VERSION) $(STAGE) $(if $(EVIDENCE),--evidence $(EVIDENCE)) \
		$(if $(REFERENCE),--reference $(REFERENCE)) $(if $(SHADOW),--shadow $(SHADOW)) \
		$(if $(PUSH),--push)

.PHONY: rollback-to
rollback-to: install ## roll production back by assignment: VERSION, a version it ran before (PUSH=1)
	classifier promote $(VERSION) --rollback $(if $(PUSH),--push)

.PHONY: promote-evidence
promote-evidence: install ## CI (promote): the previous stage's monitoring of the version
	classifier promote-step evidence

.PHONY: promote-check
promote-check: install ## CI (promote): the rules on the registry before this tag; the image by digest
	classifier promote-step check

.PHONY: promote-gate
promote-gate: install ## CI (promote): fail when the promotion was refused (nothing deploys)
	classifier promote-step gate

.PHONY: promote-explain
promote-explain: ## CI (promote): a refusal's one line on the tag's commit (standard library only)
	$(STDLIB_CLI) promote-step explain

.PHONY: monitor-reference
monitor-reference: ## CI (monitor): the latest release's reference.json into build/ (needs gh)
	gh release download --pattern reference.json --dir build --clobber

.PHONY: monitor-issue
monitor-issue: install ## CI (monitor): create, edit or close the one "Model monitoring" issue
	classifier monitor-issue

.PHONY: retrain-pr
retrain-pr: install ## CI (monitor): a pull request adding the labelled traffic to the raw data
	classifier retrain-pr

.PHONY: rollback
rollback: ## point :latest back at released VERSION=X.Y.Z (same digest) and deploy it (IMAGE_REPOSITORY=…)
	$(STDLIB_CLI) rollback

.PHONY: deploy
deploy: ## CI: POST the new image to DEPLOY_WEBHOOK_URL (skipped when unset; standard library only)
	$(STDLIB_CLI) deploy

.PHONY: github-release
github-release: ## CI: create the GitHub release TAG with the model card and the bento
	gh release create "$(TAG)" build/release/* --verify-tag --title "$(TAG)" \
		--notes-file build/release/model-card.md
