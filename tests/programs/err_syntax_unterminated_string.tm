;; An unterminated string literal.
(def ok 1)
(println "this string never ends)
