#include "benchmarks/sidecar.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace fanout::bench {

namespace {

std::mutex& mutex() {
  static std::mutex m;
  return m;
}

// Per benchmark name, its repetitions' histograms in the order they ran.
std::map<std::string, std::vector<measure::log_histogram>>& store() {
  static std::map<std::string, std::vector<measure::log_histogram>> s;
  return s;
}

// [[bucket, count], ...] of one repetition.
std::string buckets_json(const measure::log_histogram& h) {
  std::string out = "[";
  for (const auto& [k, n] : h.counts()) {
    if (out.size() > 1) out += ',';
    out += '[';
    out += std::to_string(k);
    out += ',';
    out += std::to_string(n);
    out += ']';
  }
  out += ']';
  return out;
}

}  // namespace

std::string latency_sidecar_path(const std::string& json_path) {
  if (json_path.empty() || json_path == "-") return {};
  const std::size_t slash = json_path.rfind('/');
  return (slash == std::string::npos ? std::string() : json_path.substr(0, slash + 1)) +
         kLatencySidecar;
}

void record_latencies(const std::string& name, const measure::log_histogram& h) {
  const std::lock_guard lock(mutex());
  store()[name].push_back(h);
}

void write_latency_sidecar(const std::string& path) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    const std::lock_guard lock(mutex());
    // The first line says how to read a bucket back: [min_ms * ratio^k, min_ms * ratio^(k+1)).
    f << "{\"format\":\"log_buckets\",\"min_ms\":" << measure::log_histogram::kMinMs
      << ",\"ratio\":" << measure::log_histogram::kRatio << "}\n";
    for (const auto& [name, reps] : store()) {
      f << "{\"name\":\"" << name << "\",\"repetitions\":[";
      for (std::size_t i = 0; i < reps.size(); ++i) f << (i ? "," : "") << buckets_json(reps[i]);
      f << "]}\n";
    }
    errno = 0;
    f.close();  // a full disk or a file-size limit shows here at the latest
    if (!f) {
      throw std::runtime_error("cannot write " + path + ": " +
                               (errno ? std::strerror(errno) : "write failed") +
                               " (what was written is in " + tmp + ")");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(errno));
  }
}

}  // namespace fanout::bench
