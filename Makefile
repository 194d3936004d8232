# skywatch build: `make` builds build/skywatch; `make test` installs what is missing and runs every test.
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread
LDLIBS  = -lmicrohttpd -ljansson -lcrypto -lz -lm -pthread

SRC      := $(wildcard src/*.c)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
OBJ      := $(patsubst src/%.c,build/obj/%.o,$(SRC))
LIB_OBJ  := $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC))
UNIT     := $(patsubst tests/unit/%.c,build/%,$(wildcard tests/unit/test_*.c))

all: build/skywatch

build/obj/%.o: src/%.c $(wildcard src/*.h) | build/obj
	$(CC) $(CFLAGS) -c $< -o $@

build/obj/model_blob.o: models/cloudwatch.json src/model_blob.S | build/obj
	$(CC) -c src/model_blob.S -o $@

build/obj:
	mkdir -p $@

build/skywatch: $(OBJ) build/obj/model_blob.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/test_%: tests/unit/test_%.c tests/unit/test.h $(LIB_OBJ) build/obj/model_blob.o
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) build/obj/model_blob.o $(LDLIBS)

unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; $$t; done

.PHONY: all unit test deps run clean
deps:
	bash scripts/deps.sh

test:
	bash scripts/test.sh

run:
	bash scripts/run.sh

clean:
	rm -rf build
