;; A local defn that set!s its own name rebinds the one binding the rest of the body
;; sees (letrec semantics, as in Racket and Scheme): the body, the function itself and
;; every closure over the name share it.
(defn b [] (defn g [] (set! g (fn [] 2)) 1) (fn [] (g)))
(def bb (b))
(prn (list (bb) (bb)))

;; set! from the rest of the body is seen by the function's own recursive calls
(defn counter []
  (defn tick [n] (if (= n 0) :base (tick (dec n))))
  (def before (tick 3))
  (set! tick (fn [n] (list :replaced n)))
  (list before (tick 3)))
(prn (counter))

;; a recursive local function that is never set! still works, and a closure made
;; before the set! sees the new value
(defn fib-table []
  (defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
  (def show (fn [] (fib 10)))
  (def first-result (show))
  (set! fib (fn [n] (* n 100)))
  (list first-result (show)))
(prn (fib-table))

;; each call of the outer function gets its own binding
(defn make [] (defn h [] (set! h (fn [] :second)) :first) (fn [] (h)))
(def m1 (make))
(def m2 (make))
(prn (list (m1) (m1) (m2) (m1) (m2)))
