"""report.py -- prints the machine and a Markdown table of the figures in a bench/run.sh results file."""
import json
import os
import platform
import sys


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return "%d CPUs (%s), %.1f GiB RAM, Linux %s" % (os.cpu_count(), model, mem_kb / 2**20, platform.release())


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            out[(d["server"], d["step"])] = d
    return out


def num(v, fmt="{:,.0f}"):
    return "n/a" if v is None else fmt.format(v)


def main():
    r = load(sys.argv[1])
    get = lambda server, step, key: r.get((server, step), {}).get(key)
    rows = []

    def row(name, sw, moto, target):
        rows.append((name, sw, moto, target))

    for proto, step in (("JSON 1.0", "ingest_json"), ("query", "ingest_query")):
        sw_dp = get("skywatch", step, "datapoints")
        moto_dp = get("moto", step, "datapoints")
        row("PutMetricData %s: datapoints/s" % proto, num(get("skywatch", step, "datapoints_per_s")),
            num(get("moto", step, "datapoints_per_s")), "≥ 1,000,000" if step == "ingest_json" else "")
        row("PutMetricData %s: server CPU µs per datapoint" % proto,
            num(get("skywatch", step, "server_cpu_us_per_dp"), "{:.2f}"),
            num(get("moto", step, "server_cpu_us_per_dp"), "{:.1f}"), "< 1" if step == "ingest_json" else "")
        row("PutMetricData %s: server cores busy / client CPU µs per datapoint" % proto,
            "%s / %s" % (num(get("skywatch", step, "server_cores_busy"), "{:.2f}"),
                         num(get("skywatch", step, "client_cpu_us_per_dp"), "{:.3f}")),
            "%s / %s" % (num(get("moto", step, "server_cores_busy"), "{:.2f}"),
                         num(get("moto", step, "client_cpu_us_per_dp"), "{:.3f}")), "")
        row("PutMetricData %s: request latency p50 / p99 ms" % proto,
            "%s / %s" % (num(get("skywatch", step, "p50_ms"), "{:.1f}"), num(get("skywatch", step, "p99_ms"), "{:.1f}")),
            "%s / %s" % (num(get("moto", step, "p50_ms"), "{:.1f}"), num(get("moto", step, "p99_ms"), "{:.1f}")), "")
        row("PutMetricData %s: datapoints sent (requests × 1,000)" % proto, num(sw_dp), num(moto_dp), "")

    for step, label in (("gms", "GetMetricStatistics p50 / p95 ms"), ("gms_after_restart", "  same, after the restart")):
        sw = "%s / %s" % (num(get("skywatch", step, "p50_ms"), "{:.3f}"), num(get("skywatch", step, "p95_ms"), "{:.3f}"))
        moto = "%s / %s" % (num(get("moto", step, "p50_ms"), "{:.1f}"), num(get("moto", step, "p95_ms"), "{:.1f}"))
        row(label, sw, moto if step == "gms" else "", "p95 < 2" if step == "gms" else "")
    row("GetMetricStatistics: datapoints stored",
        num(get("skywatch", "memory", "datapoints")), num(get("moto", "memory", "datapoints")), "")
    row("GetMetricStatistics: datapoints / p99 values per response",
        "%s / %s" % (num(get("skywatch", "gms", "datapoints_per_response"), "{:.0f}"),
                     num(get("skywatch", "gms", "p99_per_response"), "{:.0f}")),
        "%s / %s" % (num(get("moto", "gms", "datapoints_per_response"), "{:.0f}"),
                     num(get("moto", "gms", "p99_per_response"), "{:.0f}")), "")
    row("GetMetricStatistics: server CPU ms per request",
        num(get("skywatch", "gms", "server_cpu_ms_per_request"), "{:.3f}"),
        num(get("moto", "gms", "server_cpu_ms_per_request"), "{:.1f}"), "")

    def per_dp(server, before_step, before_key, after_step, after_key):
        b, a = get(server, before_step, before_key), get(server, after_step, after_key)
        n = get(server, "memory", "datapoints")
        return None if None in (a, b, n) or not n else (a - b) * 1024.0 / n

    row("RSS per stored datapoint, bytes (after ingest − empty)",
        num(per_dp("skywatch", "memory", "rss_kb_empty", "memory", "rss_kb_loaded"), "{:.1f}"),
        num(per_dp("moto", "memory", "rss_kb_empty", "memory", "rss_kb_loaded"), "{:.0f}"), "< 16")
    row("RSS per stored datapoint, bytes (after restart − empty)",
        num(per_dp("skywatch", "restart", "rss_kb_empty", "restart", "rss_kb_restarted"), "{:.1f}"), "", "< 16")
    row("RSS empty / loaded / restarted, MiB",
        "%s / %s / %s" % (num((get("skywatch", "memory", "rss_kb_empty") or 0) / 1024, "{:.0f}"),
                          num((get("skywatch", "memory", "rss_kb_loaded") or 0) / 1024, "{:.0f}"),
                          num((get("skywatch", "restart", "rss_kb_restarted") or 0) / 1024, "{:.0f}")),
        "%s / %s" % (num((get("moto", "memory", "rss_kb_empty") or 0) / 1024, "{:.0f}"),
                     num((get("moto", "memory", "rss_kb_loaded") or 0) / 1024, "{:.0f}")), "")
    row("Restart: start to \"listening\", ms", num(get("skywatch", "restart", "start_to_listening_ms")), "", "< 2,000")
    row("Restart: log replay (\"metrics recovered\"), ms", num(get("skywatch", "restart", "recovered_ms"), "{:.0f}"), "", "")
    samples, wal = get("skywatch", "restart", "samples"), get("skywatch", "restart", "wal_bytes")
    row("Restart: datapoints replayed / log MiB",
        "%s / %s" % (num(samples), num(wal / 2**20 if wal else None, "{:.0f}")), "", "")
    row("Shutdown on SIGTERM, ms", num(get("skywatch", "restart", "stop_ms")), "", "")

    print("Machine: " + machine())
    print()
    print("| Figure | skywatch | moto | Target |")
    print("|---|---:|---:|---|")
    for name, sw, moto, target in rows:
        print("| %s | %s | %s | %s |" % (name, sw, moto, target))


if __name__ == "__main__":
    main()
