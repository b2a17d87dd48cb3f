;; A chain of else-ifs testing the type of one local reads type(x) once (compiler/lower.py,
;; chain_type_test): every kind of value lands in the branch the library's predicates send
;; it to, a test with a call between the type tests, a local that is set!, and a capture in
;; one branch inside a loop (resumed, serialized) behave as before.
(module typechains)
(struct P [a])
(defn kind-of [v]
  (cond (nil? v) :nil
        (string? v) :string
        (keyword? v) :keyword
        (int? v) :int
        (float? v) :float
        (bool? v) :bool
        (symbol? v) :symbol
        (map? v) :map
        (vector? v) :vector
        (list? v) :list
        :else (type-of v)))
(println (map kind-of [nil "s" :k 1 2.5 #t #f 'sym {} {:a 1} [] [1] (list) (list 1) (range 3) (map inc [1]) (hash-set 1) (P 1) kind-of (ref 1) (Some 1)]))
;; a test that calls a Turmeric function between type tests
(def calls (ref 0))
(defn odd-thing? [v] (ref-set! calls (inc (deref calls))) (= v 7))
(defn classify [v] (cond (string? v) :s (odd-thing? v) :seven (int? v) :i (vector? v) :v :else :other))
(println (map classify ["a" 7 8 [1] {}]) (deref calls))
;; a local that is set! between the tests
(defn shifty [v] (let [x v] (cond (string? x) :s (do (set! x 5) #f) :never (int? x) [:int x] :else :other)))
(println (shifty "a") (shifty [1]) (shifty :k))
;; a capture in one branch, inside a loop over values: resumed twice and after a round trip
(defn grab [] (cloneable-shift [k] k))
(defn walk [xs] (loop [xs xs acc []] (if (empty? xs) acc (let [v (first xs)] (recur (rest xs) (conj acc (cond (string? v) :s (keyword? v) (grab) (vector? v) (count v) :else :x)))))))
(let [k (cloneable-reset (fn [] (walk ["a" [1 2] :hole 5 "b" [3]])))]
  (println (k :one) (k :two) ((deserialize (serialize k)) :three)))
;; the chain's last else formats the value with the type read by the tests
(defn show [v] (cond (keyword? v) (str "k:" (name v)) (vector? v) (str "v" (count v)) :else (str "<" v ">")))
(println (map show [:a [1 2] 1 2.5 "s" nil #t (P 1) {:a 1} (list 1) 'sym]))
