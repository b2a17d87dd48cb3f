;; Reader: every literal kind of spec section 1.
; a comment line
(println 42 -7 0)                      ; integers
(println 3.5 -0.25 1e9 1.5e-3)         ; floats print like Python repr
(println 123456789012345678901234567890)
(println "plain" "a\"b" "back\\slash")
(println "tab[\t]")
(println "line1\nline2")
(println (count "a\0b") (count "x\ry") (count "\u0041\u0042"))
(println "\u0041\u0042C")
(println #t #f true false nil)
(println :action :payment-info)
(println 'sym '-> 'set-x! 'a.b 'x? '<=> 'a*b+c 'a/b '$y '%z '&w 'a^b 'a|b 'under_score)
(println '(1 2 3) [1 2 3] {:a 1})
(println [1, 2, 3] {:a 1,})
(println (quote x) 'x '(a (b c) [d]))
#_(println "this form is discarded")
(println (+ 1 #_100 2))
(println [1 #_ [2 3] 4])
#_ #_ (println "gone 1") (println "gone 2")
(println "after discards")
(println (list 'quasiquote 'x) (first '`x) (first '~x) (first '~@x))
(println (count '(a b c)) (count []) (count {}))
