// The `fanout_registry` context entry (docs/design.md section 7): the strategies in report
// order with their traits, the workloads with their parameters, and each family's counters, as
// one line of JSON, so that the plot tool reads them instead of typing them again.
#include "benchmarks/registry_json.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/family.hpp"
#include "benchmarks/names.hpp"
#include "harness/strategies/registry.hpp"
#include "workloads/registry.hpp"

namespace fanout::bench {
namespace {

// Names and counter names are identifiers: quoting them needs no escapes. Everything is built
// by appending: GCC 12 warns falsely (-Wrestrict) on `"literal" + std::string`.
std::string quoted(std::string_view text) {
  std::string out(1, '"');
  return out.append(text).append(1, '"');
}

// "[a,b,c]" or "{a,b,c}" from JSON texts.
std::string joined(const std::vector<std::string>& parts, char open, char close) {
  std::string out(1, open);
  for (const std::string& part : parts) out.append(out.size() > 1 ? "," : "").append(part);
  return out.append(1, close);
}

template <class List>
std::string names(const List& items) {
  std::vector<std::string> parts;
  for (const auto& item : items) parts.push_back(quoted(item));
  return joined(parts, '[', ']');
}

std::string member(std::string_view key, std::string_view json) {
  return quoted(key).append(":").append(json);
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
  std::vector<std::string> params;  // in name order, as strategy_params gives them
  for (const auto& [name, value] : strategy_params(t, {}, 0)) params.push_back(name);
  return joined({member("name", quoted(t.name)), member("params", names(params)),
                 member("open_loop", t.open_loop ? "true" : "false"),
                 member("in_order", t.in_order ? "true" : "false"),
                 member("executor", quoted(executor_name(t.runs_on)))},
                '{', '}');
}

std::string workloads_json() {
  std::vector<std::string> out;
  workloads::for_each_workload([&]<class W>() {
    std::vector<std::string> params;
    for (const auto& [name, value] : W{}.param_counters()) params.push_back(name);
    out.push_back(
        joined({member("name", quoted(W::name)), member("params", names(params))}, '{', '}'));
  });
  return joined(out, '[', ']');
}

std::string families_json() {
  std::vector<std::string> out;
  for (const family* f : all_families()) {
    out.push_back(member(
        f->name, joined({member("metrics", names(f->metrics)), member("params", names(f->params))},
                        '{', '}')));
  }
  return joined(out, '{', '}');
}

}  // namespace

std::string registry_json() {
  std::vector<std::string> strategies;
  for (const strategies::traits& t : strategies::all_traits())
    strategies.push_back(strategy_json(t));
  return joined({member("strategies", joined(strategies, '[', ']')),
                 member("workloads", workloads_json()), member("families", families_json())},
                '{', '}');
}

}  // namespace fanout::bench
