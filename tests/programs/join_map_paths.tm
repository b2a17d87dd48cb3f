;; (string/join sep (map f coll)) with the map inline (compiler/fastpath.py): over (keys m),
;; over a vector, with f the function being compiled; each path gives what the library
;; gives, keeps key order, throws the library's errors, and a capture inside resumes.
(module joinpaths)
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (error _) -> :error _ -> (type-of e)))))
(defn json [v]
  (cond (nil? v) "null"
        (= v #t) "true"
        (= v #f) "false"
        (string? v) (str "\"" v "\"")
        (keyword? v) (str "\"" (name v) "\"")
        (map? v) (str "{" (string/join "," (map (fn [k] (str (json k) ":" (json (get v k)))) (keys v))) "}")
        (vector? v) (str "[" (string/join "," (map json v)) "]")
        :else (str v)))
(def doc {:id 1 :name "a" :ok #t :no #f :tags ["x" "y" []] :n nil :m {} :sub {3 4 "k" [1.5 {:z 1}]}})
;; key order is the map's own (it varies with the process's string hashing): compared with
;; the library's string/join, map and keys called through apply (no inline loop)
(defn slow-json [v]
  (if (map? v)
    (str "{" (apply string/join [","  (apply map [(fn [k] (str (slow-json k) ":" (slow-json (get v k)))) (apply keys [v])])]) "}")
    (json v)))
(println (= (json doc) (slow-json doc)) (count (json doc)) (json [{:a [1 {"b" nil}]} (list 1 2) 'sym {}]))
;; keys of something else: the library's behaviour
(defn ks [m] (string/join "," (map (fn [k] (str k)) (keys m))))
(println (ks {:a 1}) (= (ks doc) (apply string/join [","  (apply map [str (apply keys [doc])])])) (kind (fn [] (ks [1 2]))) (kind (fn [] (ks 5))) (kind (fn [] (ks nil))))
;; elements that are not strings, a separator that is not a literal string
(defn nums [v] (string/join "-" (map (fn [x] (* 2 x)) v)))
(defn sepd [s v] (string/join s (map (fn [x] (str x)) v)))
(println (nums [1 2 3]) (nums (list 4 5)) (sepd ", " [1 2]) (kind (fn [] (sepd 5 [1 2]))) (kind (fn [] (nums 3))))
;; a function that maps itself over a vector but returns a non-string somewhere
(defn depth [v] (if (vector? v) (string/join "," (map depth v)) 0))
(println (depth [[1] [2 [3]]]) (depth 7))
;; a self-mapping function handed a host function's job still runs as the library does
(defn show [v] (if (vector? v) (str "<" (string/join " " (map show v)) ">") (str v)))
(println (show [1 [2 3] []]) (string/join "," (map str [1 2])) (string/join "," (map name [:a :b])))
;; a capture inside the self-map and inside the keys loop: resumed twice and after a round trip
(defn grab-json [v]
  (cond (= v :hole) (cloneable-shift [k] k)
        (map? v) (str "{" (string/join "," (map (fn [k] (str (grab-json k) ":" (grab-json (get v k)))) (keys v))) "}")
        (vector? v) (str "[" (string/join "," (map grab-json v)) "]")
        :else (str v)))
(let [k (cloneable-reset (fn [] (grab-json [1 {:a [2 :hole 3]} 5])))]
  (println (k "X") (k "Y") ((deserialize (serialize k)) "Z")))
