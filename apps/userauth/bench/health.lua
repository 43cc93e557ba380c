-- wrk script: GET /health (no auth, one SELECT 1): the ceiling for a database round trip.
function request()
  return wrk.format("GET", "/health")
end
