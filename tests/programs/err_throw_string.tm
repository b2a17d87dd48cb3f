;; Any value may be thrown; an uncaught string is reported.
(println "start")
(throw "plain string payload")
