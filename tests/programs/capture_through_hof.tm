;; Capture works through the standard library's higher-order functions.
;; map
(def km (cloneable-reset (fn [] (map (fn [x] (if (= x 2) (cloneable-shift [k] k) x)) [1 2 3]))))
(println (km 20) (km 30))
(println (cloneable-reset (fn [] (map (fn [x] (* 10 (cloneable-shift [k] (k x)))) '(1 2 3)))))

;; filter
(def kf (cloneable-reset (fn []
  (filter (fn [x] (if (= x 3) (cloneable-shift [k] k) (= (mod x 2) 1))) [1 2 3 4 5]))))
(println (kf #t) (kf #f))

;; reduce, resumed twice from the shift body
(println (cloneable-reset (fn []
  (reduce (fn [acc x] (+ acc (if (= x 3) (cloneable-shift [k] (list (k 0) (k 1000))) x)))
          0 [1 2 3 4]))))

;; for-each with a shared ref
(def out (ref []))
(def kfe (cloneable-reset (fn []
  (for-each [1 2 3] (fn [x] (when (= x 2) (cloneable-shift [k] k)) (swap! out conj x)))
  :done)))
(println (deref out))
(println (kfe nil) (deref out))
(println (kfe nil) (deref out))

;; for-each-with-index, as in the seed guide's checkpoint-every-n
(defn run [items]
  (let [processed []]
    (for-each-with-index items
      (fn [i item]
        (set! processed (conj processed (* item 10)))
        (when (= (mod (+ i 1) 2) 0)
          (cloneable-shift [k]
            (println "checkpoint at" i "processed" processed)
            (continue k)))))
    processed))
(println (cloneable-reset (fn [] (run [1 2 3 4 5]))))

;; nested higher-order functions, multi-shot: all combinations
(println (cloneable-reset (fn []
  (list (map (fn [x] (map (fn [y] (+ x y (cloneable-shift [k] (concat (k 0) (k 100)))))
                         [10]))
             [1])))))

;; capture through user-defined higher-order functions and apply-style calls
(defn my-map [f xs] (if (empty? xs) '() (cons (f (first xs)) (my-map f (rest xs)))))
(def kmm (cloneable-reset (fn [] (my-map (fn [x] (+ x (cloneable-shift [k] k))) [1 2]))))
(def kmm2 (kmm 10))
(println (kmm2 20) (kmm2 30) ((kmm 5) 6))

;; a generator over a collection walked by map, collecting through a ref
(def seen (ref []))
(def gen (cloneable-reset (fn [] (map (fn [x] (cloneable-shift [k] (swap! seen conj x) k)) [:a :b :c]))))
(def gen2 (gen 1))
(def gen3 (gen2 2))
(println (deref seen) (gen3 3))
