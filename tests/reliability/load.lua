-- wrk script of tests/reliability/load: the routes of a signed-in
-- dashboard in turn (JSON, charts, pages, the at-risk CSV), each
-- connection starting at its own place in the list; the session cookie from
-- the environment (RETENTIOND_COOKIE). At the end one line:
--   load: requests N errors E non2xx3xx S p50_ms X p99_ms Y max_ms Z
local paths = {
  "/api/v1/kpis?branch=420100",
  "/api/v1/trend?kpi=retention_rate&branch=420101",
  "/api/v1/ranking?kpi=bundling_coverage&parent=420100",
  "/api/v1/alarms?branch=420000",
  "/api/v1/grid?branch=420000",
  "/api/v1/satisfaction?branch=420100",
  "/api/v1/zones?branch=420100",
  "/api/v1/branches",
  "/charts/trend.png?kpi=retention_rate&branch=420100",
  "/charts/ranking.svg?kpi=in_network_rate&branch=420000",
  "/charts/bullet.png?kpi=bundling_coverage&branch=420101",
  "/charts/zones.png?branch=420100",
  "/",
  "/alarms",
  "/branch/420101",
  "/api/v1/zones/customers?branch=420101",
  "/api/v1/zones/customers?branch=420102&zone=green",
  "/assets/style.css",
}
local cookie = os.getenv("RETENTIOND_COOKIE") or ""
local counter = 0

function setup(thread)
  thread:set("offset", counter * 7)
  counter = counter + 1
end

function init(args)
  i = offset or 0
  wrk.headers["Cookie"] = cookie
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "load: requests %d errors %d non2xx3xx %d p50_ms %.1f p99_ms %.1f max_ms %.1f\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
