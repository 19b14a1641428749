// Placeholder until the web benchmark lands: seeds a store and prints page latencies.
print("WebBench: not written yet")
