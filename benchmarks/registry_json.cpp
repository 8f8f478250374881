// The `fanout_registry` context entry (docs/design.md section 7): the strategies in report
// order with their traits, the workloads with their parameters, and each family's counters, as
// one line of JSON, so that the plot tool reads them instead of typing them again.
#include "benchmarks/registry_json.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/family.hpp"
#include "harness/strategies/registry.hpp"
#include "workloads/registry.hpp"

namespace fanout::bench {
namespace {

// Names and counter names are identifiers: quoting them needs no escapes.
// Appended rather than `"\"" + std::string(text)`, which trips GCC 12's false -Wrestrict.
std::string quoted(std::string_view text) {
  std::string out(1, '"');
  return out.append(text).append(1, '"');
}

template <class List>
std::string array(const List& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + quoted(item);
  return out + "]";
}

const char* executor_name(strategies::executor e) {
  switch (e) {
    case strategies::executor::loop:
      return "loop";
    case strategies::executor::threads:
      return "threads";
    case strategies::executor::runtime:
      return "runtime";
    case strategies::executor::tbb:
      return "tbb";
    case strategies::executor::loop_and_tbb:
      return "loop+tbb";
  }
  return "unknown";
}

std::string strategy_json(const strategies::traits& t) {
  std::vector<std::string_view> params;
  if (t.limit) params.push_back("limit");
  if (t.capacity) params.push_back("capacity");
  if (t.workers) params.push_back("workers");
  return "{\"name\":" + quoted(t.name) + ",\"params\":" + array(params) +
         ",\"open_loop\":" + (t.open_loop ? "true" : "false") +
         ",\"in_order\":" + (t.in_order ? "true" : "false") +
         ",\"executor\":" + quoted(executor_name(t.runs_on)) + "}";
}

std::string workloads_json() {
  std::string out;
  workloads::for_each_workload([&]<class W>() {
    std::vector<std::string> params;
    for (const auto& [name, value] : W{}.param_counters()) params.push_back(name);
    out += std::string(out.empty() ? "" : ",") + "{\"name\":" + quoted(W::name) +
           ",\"params\":" + array(params) + "}";
  });
  return "[" + out + "]";
}

std::string families_json() {
  std::string out;
  for (const family* f : all_families()) {
    out += std::string(out.empty() ? "" : ",") + quoted(f->name) +
           ":{\"metrics\":" + array(f->metrics) + ",\"params\":" + array(f->params) + "}";
  }
  return "{" + out + "}";
}

}  // namespace

std::string registry_json() {
  std::string strategies;
  for (const strategies::traits& t : strategies::all_traits()) {
    strategies += (strategies.empty() ? "" : ",") + strategy_json(t);
  }
  return "{\"strategies\":[" + strategies + "], \"workloads\":" + workloads_json() +
         ",\"families\":" + families_json() + "}";
}

}  // namespace fanout::bench
