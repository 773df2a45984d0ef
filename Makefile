# Chartroom - thin wrapper over CMake.  `make demo` and `make check` install
# what is missing (deps.sh), configure and build into build/, then run.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCHARTROOM_WERROR=ON
DEMO_STORE ?= chartroom-data

.PHONY: all deps build install demo check check-asan eval bench bench-watch clean

all: build

deps:
	./deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# /usr/local/bin/chartroom, its man page and docs (PREFIX=/usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The main job on the bundled samples, into the default store.
demo: build
	$(BUILD)/chartroom init --store $(DEMO_STORE)
	$(BUILD)/chartroom patients import --store $(DEMO_STORE) samples/roster.csv
	$(BUILD)/chartroom ingest --store $(DEMO_STORE) samples/*.tif samples/*.png samples/*.jpg samples/bad/* || true
	$(BUILD)/chartroom search --store $(DEMO_STORE) --limit 20
	@echo
	@echo "Demo store: $(DEMO_STORE).  Try: $(BUILD)/chartroom search --store $(DEMO_STORE) --text discharge"

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same suite under AddressSanitizer + UBSan.
check-asan: deps
	cmake -S . -B build-asan -DCHARTROOM_SANITIZE=ON -DCHARTROOM_WERROR=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

bench: build
	bench/ocr-throughput.sh

# The watcher: pickup latency, 1 vs 2 workers, memory over a 5000-file
# backlog (several minutes).
bench-watch: build
	bench/watch-bench.sh

# Linking accuracy on the generated development corpus, against the naive
# baseline (tesseract, then grep for a roster MRN and its birth date).
eval: build
	bench/eval.sh

clean:
	rm -rf $(BUILD) build-asan
