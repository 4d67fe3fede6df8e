-- wrk script: POST the one-field form of the limit view (bench/urls.py).
-- wrk -s bench/limit.lua URL
wrk.method = "POST"
wrk.body = "value=Schneller+Start%2C+gute+Betreuung."
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Host"] = "127.0.0.1"
