;; Loops over (string/split s sep) and (keys m) walk the words or keys without building the
;; vector or list first (compiler/fastpath.py): the same elements in the same order, the
;; library's errors for anything else, and a capture inside resumes and serializes.
(module loopsources)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(defn wc [text sep] (reduce (fn [m w] (assoc m w (inc (get m w 0)))) {} (string/split text sep)))
(println (wc "a b a c b a" " ") (wc "x,,y" ",") (wc "" " ") (wc "abc" "b"))
(println (kind (fn [] (wc 5 " "))) (kind (fn [] (wc "a b" 5))) (kind (fn [] (wc "a b" ""))) (kind (fn [] (wc nil " "))))
(println (map (fn [w] (count w)) (string/split "a bb ccc" " ")) (filter (fn [w] (> (count w) 1)) (string/split "a bb ccc" " "))
         (let [r (ref [])] (for-each (string/split "p q" " ") (fn [w] (ref-set! r (conj (deref r) w)))) (deref r)))
(def m {:a 1 :b 2 :c 3 "d" 4 5 6})
(println (= (map (fn [k] k) (keys m)) (apply keys [m])) (reduce (fn [acc k] (+ acc (get m k))) 0 (keys m))
         (filter (fn [k] (= k :b)) (keys m)) (map (fn [k] k) (keys {})))
(println (kind (fn [] (map (fn [k] k) (keys nil)))) (kind (fn [] (string/join "," (map str (keys nil))))))
(println (kind (fn [] (map (fn [k] k) (keys [1 2])))) (kind (fn [] (reduce (fn [a k] k) 0 (keys 5)))))
;; the words in order, evaluated after the arguments before them
(defn trace [] (let [r (ref [])] [(reduce (fn [acc w] (str acc w)) (do (ref-set! r (conj (deref r) :init)) "") (string/split (do (ref-set! r (conj (deref r) :text)) "x y z") " ")) (deref r)]))
(println (trace))
;; a function that may capture, mapped over the words: resumed twice and after a round trip
(defn shout [w] (if (= w "?") (cloneable-shift [k] k) (string/upper w)))
(let [k (cloneable-reset (fn [] (string/join " " (map shout (string/split "say ? now" " ")))))]
  (println (k "A") (k "B") ((deserialize (serialize k)) "C")))
(let [k (cloneable-reset (fn [] (reduce (fn [acc w] (+ acc (if (= w "?") (cloneable-shift [k] k) (count w)))) 0 (string/split "ab ? cde" " "))))]
  (println (k 10) (k 20) ((deserialize (serialize k)) 30)))
;; an update of a map accumulator in place: the key, then the value, as the library's assoc
(def log (ref []))
(println (reduce (fn [m w] (assoc m (do (ref-set! log (conj (deref log) [:key w])) w) (do (ref-set! log (conj (deref log) [:val w])) (inc (get m w 0))))) {} ["a" "b" "a"]) (deref log))
(println (kind (fn [] (reduce (fn [m w] (assoc m w (inc (get m w "x")))) {} ["a"]))) (reduce (fn [m w] (assoc m w (str (get m w "") w))) {} ["a" "b" "a"]))
