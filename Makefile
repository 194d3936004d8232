# skywatch build. `make` builds build/skywatch; `make test` installs what is missing and runs every test.
# B selects the build directory and CFLAGS the flavour, e.g. the sanitizer build used by the tests:
#   make B=build/asan SAN=1
CC      ?= cc
B       ?= build
OPT     ?= -O2 -g
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS  := $(if $(SAN),$(SANFLAGS),$(OPT)) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread
LDLIBS   = -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd -llz4 -lpcre2-8 -lm -pthread

EXCLUDE ?=
SRC      := $(filter-out $(EXCLUDE),$(wildcard src/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
OBJ      := $(patsubst src/%.c,$(B)/obj/%.o,$(SRC))
LIB_OBJ  := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRC))
UNIT     := $(patsubst tests/unit/%.c,$(B)/%,$(wildcard tests/unit/test_*.c))
FUZZ     := $(patsubst fuzz/%.c,$(B)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
HEADERS  := $(wildcard src/*.h)

all: $(B)/skywatch

$(B)/obj/%.o: src/%.c $(HEADERS) | $(B)/obj
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/obj/model_blob.o: $(wildcard models/*.json) src/model_blob.S | $(B)/obj
	$(CC) -c src/model_blob.S -o $@

$(B)/obj $(B)/fuzz:
	mkdir -p $@

$(B)/skywatch: $(OBJ) $(B)/obj/model_blob.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/test_%: tests/unit/test_%.c tests/unit/test.h tests/unit/test_main.h $(LIB_OBJ) $(B)/obj/model_blob.o
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(B)/obj/model_blob.o $(LDLIBS)

# libFuzzer targets link every library source, built once with clang, coverage and sanitizers.
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined -std=c11 -D_GNU_SOURCE -Isrc -pthread
FUZZ_OBJ    := $(patsubst src/%.c,$(B)/fuzzobj/%.o,$(LIB_SRC))
$(B)/fuzzobj:
	mkdir -p $@
$(B)/fuzzobj/%.o: src/%.c $(HEADERS) | $(B)/fuzzobj
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJ) $(HEADERS) $(B)/obj/model_blob.o | $(B)/fuzz
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(B)/obj/model_blob.o $(LDLIBS)

unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; $$t; done

fuzz: $(FUZZ)

.PHONY: all unit fuzz test deps run clean
deps:
	bash scripts/deps.sh

test:
	bash scripts/test.sh

run:
	bash scripts/run.sh

clean:
	rm -rf build
