.PHONY: run test bench clean

# Install if needed, train if needed, and run the product (prints the address to open).
run:
	bash scripts/run.sh

# The whole test suite; .ci/run calls exactly this.
test:
	bash scripts/test.sh

# Speed and memory, against a stock `rasa init` assistant measured in the same run.
bench:
	.venv/bin/python bench/bench_assistant.py

clean:
	rm -rf models results test-artifacts .pytest_cache
