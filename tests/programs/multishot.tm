;; Multi-shot continuations: every resumption is independent, except boxes and refs.

;; 1. a set! local NOT captured by any closure lives in the frame: each run starts
;;    from the value it had at capture time
(def k-local
  (cloneable-reset (fn []
    (def n 1)
    (set! n (+ n 1))
    (def x (cloneable-shift [k] k))
    (set! n (+ n x))
    (set! n (* n 10))
    n)))
(println (k-local 1) (k-local 1) (k-local 5) (k-local 1))

;; 2. loop variables are per resumption
(println (cloneable-reset (fn []
  (loop [i 0 acc []]
    (if (= i 4)
      (list acc)
      (let [v (if (= i 1) (cloneable-shift [k] (concat (k :a) (k :b))) i)]
        (recur (+ i 1) (conj acc v))))))))

;; 3. collections built before the capture are values: each run extends its own
(def k-coll
  (cloneable-reset (fn []
    (let [acc [1 2]
          m {}]
      (def got (cloneable-shift [k] k))
      (list (conj acc got) (assoc m :got got))))))
(def first-run (k-coll :x))
(def second-run (k-coll :y))
(println first-run)
(println second-run)

;; 4. resuming the same continuation from inside its own shift body, twice
(println (cloneable-reset (fn []
  (let [base 100]
    (def v (cloneable-shift [k] (list (k 1) (k 2) (k 3))))
    (def base2 (+ base v))
    (set! base (* base2 2))
    base))))

;; 5. a set! local captured by a closure is ONE box, shared by all runs
(def k-box
  (cloneable-reset (fn []
    (let [hits 0
          bump (fn [] (set! hits (+ hits 1)) hits)]
      (def v (cloneable-shift [k] k))
      (bump)
      (list v (bump))))))
(println (k-box :a) (k-box :b) (k-box :c))

;; the box is also visible from the shift body itself after the resumptions
(println (cloneable-reset (fn []
  (let [log []
        add (fn [x] (set! log (conj log x)))]
    (add :before)
    (let [v (cloneable-shift [k] (k :one) (k :two) (k :three) log)]
      (add v)
      :resumed)))))

;; 6. refs are shared between runs
(def counter (ref 0))
(def k-ref
  (cloneable-reset (fn []
    (let [local 1000]
      (def v (cloneable-shift [k] k))
      (swap! counter + v)
      (+ local v)))))
(println (k-ref 1) (k-ref 2) (k-ref 3) (deref counter))

;; 7. a continuation captured inside a loop, resumed after the loop finished
(def saved (ref nil))
(println (cloneable-reset (fn []
  (loop [i 0 total 0]
    (if (= i 5)
      total
      (recur (inc i)
             (+ total (if (= i 2)
                        (cloneable-shift [k] (ref-set! saved k) (k i))
                        i))))))))
(println ((deref saved) 100) ((deref saved) 2))

;; 8. one continuation resumed from two different outer contexts
(def k-ctx (cloneable-reset (fn [] (* 2 (cloneable-shift [k] k)))))
(println (+ 1 (k-ctx 5)) (list (k-ctx 6) (k-ctx 7)))

;; 9. multi-shot through nested user function frames with their own locals
(defn inner [a]
  (let [b (* a 10)]
    (def got (cloneable-shift [k] k))
    (+ a b got)))
(defn outer [x]
  (let [y (inner (+ x 1))]
    (list x y)))
(def k-deep (cloneable-reset (fn [] (outer 1))))
(println (k-deep 0) (k-deep 100) (k-deep 0))
