# impress: build, test, demo and release plumbing. `make help` lists targets.
#
# make test and make demo first run scripts/ensure-deps.sh, which installs
# ffmpeg, ffprobe and the DejaVu fonts through apt-get when they are missing
# (as root or with password-less sudo) and otherwise prints the command to run.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO      ?= go
PKG     := github.com/impress-dev/impress
BIN     := bin/impress
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)

# The machines this runs on have 2 cores; -p 2 keeps two test binaries
# running at once without oversubscribing ffmpeg-heavy packages. Each
# package should take 1-2 minutes (the slowest, daemon, took 157 s in CI);
# past 8 a hung test fails with a goroutine dump instead of eating the
# suite's 15-minute budget.
GOTESTFLAGS ?= -p 2 -timeout 8m
GORELEASER  := $(GO) run github.com/goreleaser/goreleaser/v2@v2.15.1

.PHONY: help build test demo bench man completions docs lint release-check release-snapshot cross deps clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-17s %s\n", $$1, $$2}'

# FORCE rather than .PHONY so that targets depending on $(BIN) rebuild it
# every time: go build's cache makes that cheap, and the version stamp stays
# right after a commit.
$(BIN): FORCE
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/impress

build: $(BIN) ## build bin/impress with the version from git describe

deps: ## install ffmpeg, ffprobe and fonts if missing (apt-get), else say how
	@scripts/ensure-deps.sh

test: deps ## run every Go test (installs ffmpeg first if needed)
	$(GO) test $(GOTESTFLAGS) ./...

demo: deps $(BIN) ## run the demo (`impress demo` once it exists)
	@IMPRESS=$(BIN) scripts/demo.sh

bench: deps $(BIN) ## Go benchmarks (3 iterations each) and bench/*.sh
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...
	@shopt -s nullglob; for s in bench/*.sh; do \
		echo "== $$s"; IMPRESS=$(CURDIR)/$(BIN) bash "$$s"; \
	done

man: ## write man pages to man/ (internal/gendocs: not part of bin/impress)
	@scripts/gen-docs.sh man $(VERSION)

completions: $(BIN) ## write bash, zsh and fish completions to completions/
	@IMPRESS=$(BIN) scripts/gen-docs.sh completions

docs: man completions ## man pages and completions

# third_party/ is gofmt'ed too: its patches carry the formatting (third_party/README.md).
lint: ## gofmt (must list nothing) and go vet
	@out=$$(gofmt -l .); \
	if [[ -n $$out ]]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The shipped builds are CGO_ENABLED=0 for linux and darwin on amd64 and
# arm64. One darwin and one linux target, both without cgo, catch what a
# native build here would not: a dependency that needs cgo, a file behind a
# GOOS build tag that no longer compiles. (goreleaser builds all four.)
cross: ## CGO_ENABLED=0 builds for darwin/arm64 and linux/arm64
	@for t in darwin/arm64 linux/arm64; do \
		echo "go build $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/impress; \
	done

release-check: ## goreleaser check (first run downloads goreleaser: minutes)
	$(GORELEASER) check

release-snapshot: ## local snapshot release into dist/ (archives, deb, rpm)
	$(GORELEASER) release --snapshot --clean

clean: ## remove bin, dist, man and completions
	rm -rf bin dist man completions

FORCE:
