;; Classic shift/reset results (Danvy & Filinski; Racket's control tests).
;; Checked against racket/control's shift/reset.
(println (+ 1 (cloneable-reset (fn [] (+ 10 (cloneable-shift [k] (k (k 100))))))))   ; 121
(println (* 2 (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (k 5)))))))          ; 12
(println (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] 5)))))                    ; 5: k discarded
(println (cloneable-reset (fn [] (* 100 (cloneable-shift [k] "discarded")))))
(println (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (+ (k 1) (k 2)))))))      ; k twice: 2 + 3
(println (cloneable-reset (fn [] 42)))                                                ; no shift
(println (cloneable-reset (fn [] (+ 1 (cloneable-reset (fn [] (+ 2 (cloneable-shift [k] (k 10)))))))))  ; nested: 13
;; shift's body runs under the prompt (shift, not control)
(println (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (+ 10 (cloneable-shift [k2] 100)))))))       ; 100
(println (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (+ 10 (cloneable-shift [k2] (k2 (k 5)))))))))  ; 16
;; k runs under its own prompt: a shift inside k's run stops at k's call
(println (cloneable-reset (fn [] (let [y (cloneable-shift [f] (cons 'a (f '())))] (cloneable-shift [g] y)))))  ; (a)
(println (cloneable-reset (fn [] (let [y (cloneable-shift [f] (cons 'a (f '())))] (cloneable-shift [g] (cons 'b y))))))  ; (a b)
;; list collecting
(println (cloneable-reset (fn [] (cons 1 (cloneable-shift [k] (cons 2 (k nil)))))))   ; (2 1)
(println (cloneable-reset (fn [] (list 1 (cloneable-shift [k] (k (k (list 2))))))))   ; (1 (1 (2)))
;; Racket control-test style
(println (+ 10 (cloneable-reset (fn [] (+ 2 (cloneable-shift [k] (+ 100 (k (k 3)))))))))  ; 117
(println (* 10 (cloneable-reset (fn [] (* 2 (cloneable-shift [g] (cloneable-reset (fn [] (* 5 (cloneable-shift [f] (+ (f 1) 1)))))))))))  ; 60
(println (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] (k (cloneable-reset (fn [] (+ 100 (cloneable-shift [k2] (k 7)))))))))))  ; 9
;; nondeterministic choice: all results
(defn choose [a b] (cloneable-shift [k] (concat (k a) (k b))))
(println (cloneable-reset (fn [] (let [x (choose 1 2) y (choose 10 20)] (list (+ x y))))))  ; (11 21 12 22)
;; k used outside of its reset, several times
(def k1 (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] k)))))
(println (k1 10) (k1 20) (k1 10))
;; continue / resume / direct call are the same operation; the value defaults to nil
(def k2 (cloneable-reset (fn [] (list :got (cloneable-shift [k] k)))))
(println (continue k2 1) (resume k2 2) (k2 3))
(println (k2) (continue k2) (resume k2))
;; shift/reset are aliases
(println (+ 1 (reset (fn [] (+ 10 (shift [k] (k (k 100))))))))
(println (reset (fn [] (* 3 (shift [k] (k (k 2)))))))                          ; 18
;; several statements in the shift body; value of the last one
(println (reset (fn [] (+ 1 (shift [k] (println "in body") (def r (k 1)) (* r 100))))))  ; 200
;; capture inside nested function calls
(defn times-two-of [x] (* 2 x))
(defn get-value [] (shift [k] (+ (k 1) (k 10))))
(println (reset (fn [] (times-two-of (+ 5 (get-value))))))                     ; 12 + 30 = 42
