#pragma once
// The `net` workload: one item is one real HTTP/1.1 GET over loopback TCP to an embedded server
// (harness/async/http_server.hpp), which answers after the item's seeded latency; the client
// then runs the same parse as `wait` on the bytes it received (docs/design.md section 2).
//
//   net_workload w{.conn = conn_policy::pool};
//   net_workload live = w.start();              // the server runs while `live` (or a copy) does
//   net_workload::result r = live.run_blocking(3);               // a blocking socket
//   net_workload::result a = loop.block_on(live.run_async(3));   // libuv TCP on `loop`
//
// The response is wait's synthetic one with its body padded to `body_bytes`, so an item's
// checksum is a pure function of (seed, index, body_bytes): every strategy is verified against
// compute(i), the parse of the bytes the server sends. Every connect, write and read has a
// timeout: a dead server is an item error, never a hang.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/async/http_server.hpp"
#include "harness/async/task.hpp"
#include "harness/measure/time.hpp"
#include "workloads/latency.hpp"
#include "workloads/workload.hpp"

namespace fanout::workloads {

using measure::clock;

enum class conn_policy {
  per_item,  // connect, request, close (with SO_LINGER 0: no TIME_WAIT on the client's port)
  pool,      // keep-alive connections, reused; as many as the strategy has items in flight
};

// Where the server runs: a process of its own (the benchmarks: workloads/net_server.hpp), or
// a thread of this process (the tests that inject faults, which only it can).
enum class server_mode { process, thread };

// What the tests inject: a server fault on one item, or a port where nothing listens.
struct net_faults {
  async::http_fault fault = async::http_fault::none;
  std::size_t item = 0;  // the item the fault hits
  bool refuse = false;   // connect to a closed port: every item is refused
};

// What a started workload's copies share: the server and the connections (net.cpp).
class net_session;

// The first failure to open a connection, and how many had been opened before it.
struct net_stats {
  std::size_t opened = 0;  // sockets made for connections so far
  int first_errno = 0;     // errno of the first failed connect; 0 if none failed
  std::size_t opened_before_failure = 0;
};

struct net_workload {
  static constexpr const char* name = "net";
  latency_dist latency = latency_dist::parse("fixed:10");
  std::size_t body_bytes = 1024;  // >= 1024, the largest body wait's generator writes
  conn_policy conn = conn_policy::per_item;
  std::size_t pool_max = 0;  // pool: at most this many connections (0: no cap); items queue
  std::uint64_t seed = 1;
  server_mode server = server_mode::process;
  double timeout_ms = 5000;  // each connect, write and read, beyond the item's latency
  std::shared_ptr<net_session> session{};  // null until start()

  std::string name_params() const;  // /ms:10/body:1024/conn:pool[/pool_max:64]
  param_list param_counters() const;
  static std::size_t quick_items(std::size_t) { return 100; }

  // A copy of this workload with its server started on 127.0.0.1 (and `faults` injected, which
  // needs server_mode::thread); the server and every pooled connection close when the last
  // copy is gone.
  net_workload start(net_faults faults = {}) const;
  net_stats stats() const;
  sockaddr_in server_address() const;  // where a started workload connects

  struct result {
    double latency_ms = 0;
    std::uint64_t checksum = 0;
    clock::time_point done{};  // when the whole response had arrived
  };

  double latency_ms(std::size_t index) const { return latency.sample_ms(seed, index); }
  double wait_ms(std::size_t index) const { return latency_ms(index); }
  // The parse of the response the server sends for item `index`: the reference checksum.
  std::uint64_t compute(std::size_t index) const;

  result run_blocking(std::size_t index) const;
  async::task<result> run_async(std::size_t index) const;
};

// What the server answers for item `index` of `w`: after the item's latency, its response, or
// the fault injected on it.
async::http_handler net_handler(const net_workload& w, const net_faults& faults);

// The full response of item `index`: wait's synthetic response, its body padded with spaces
// (JSON whitespace) to `body_bytes` and its Content-Length set to match.
std::string net_response(std::uint64_t seed, std::size_t index, std::size_t body_bytes);

}  // namespace fanout::workloads
