.PHONY: run test bench build

# Start everything on embedded defaults: the database and the sandbox stand-ins.
run:
	go run ./cmd/parceltrack

# The one test command (CI runs it through .ci/run).
test:
	./scripts/test.sh

build:
	go build -o parceltrack ./cmd/parceltrack

# Benchmarks quoted in the README.
bench:
	go test -run '^$$' -bench . -benchmem ./storage/ ./tracking/ ./workers/ ./billing/ ./messages/ ./handlers/ ./cmd/parceltrack/
