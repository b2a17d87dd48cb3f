;; An inlined reduce whose accumulator is a map updated in place (compiler/fastpath.py:
;; keeps_acc, numeric_dict_gets): copies for a dict of numbers, any dict or map mutation,
;; and anything else. Whatever the map starts as, the results and errors are the library's.
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> e))))
(def words (string/split "a b a c b a" " "))
(defn counts [m0] (reduce (fn [m w] (assoc m w (inc (get m w 0)))) m0 words))
(println (counts {}) (counts {"a" 10 "z" 1}) (counts {"b" 1.5}))
(println (kind (fn [] (counts {"a" #t}))) (kind (fn [] (counts {"c" "x"}))) (kind (fn [] (counts nil))))
;; a non-number stored on the way: the reads are no longer numbers
(defn marks [ws] (reduce (fn [m w] (if (= w "b") (assoc m "a" #t) (assoc m w (inc (get m w 0))))) {} ws))
(println (marks ["a" "b"]) (kind (fn [] (marks ["a" "b" "a"]))) (marks ["c" "b" "c"]))
(println (kind (fn [] (reduce (fn [m w] (assoc m w (inc (get m "b" 0)))) {} ["b" "a" "b"]))))
;; floats, a default that is not a number, count and contains? on the accumulator
(println (reduce (fn [m w] (assoc m w (+ (get m w 0.5) 1))) {} words))
(println (reduce (fn [m w] (assoc m w (str (get m w "") w))) {} words))
(println (reduce (fn [m w] (if (contains? m w) (assoc m w (+ (get m w 0) (count m))) (assoc m w 1))) {} words))
;; the persistent map a reduce starts from never changes
(def base {"a" 1})
(println (counts base) base)
