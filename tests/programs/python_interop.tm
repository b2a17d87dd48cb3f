;; Python interop: imports, attributes, methods, keyword arguments, conversions, errors, with
(import-python json)
(import-python urllib.parse :as up)
(import-python datetime [date timedelta])
(import-python operator)
(import-python collections [Counter])

(println (json.dumps (->py {:b [1 2] :a {:c nil}}) :sort-keys #t))
(println (up.quote "green tea/jasmine" :safe ""))
(def d (date 2024 2 28))
(println d d.year (type-of d) (.isoformat (operator.add d (timedelta :days 2))))
(prn d)
(println (.upper "tea") (->tm (. "a,b" split ",")) (.join ", " (->py ["x" "y"])))
(prn (->tm (json.loads "{\"k\": [1, 2.5, null, true]}") :keywordize))
(println (get (->tm (.most-common (Counter "banana") 1)) 0))

(defn parse [s]
  (try (json.loads s)
    (catch [e] (match e
                 (python-error t msg _) -> (str t ": " msg)
                 _ -> :other))))
(println (parse "{oops"))
(println (try (json.dumpz 1) (catch [e] e.message)))

(import-python functools)
(println (try (cloneable-reset (fn [] (functools.reduce (fn [a b] (+ a (suspend))) (->py [1 2 3]))))
              (catch [e] e)))
(println (try (serialize (cloneable-reset (fn [] (let [c (Counter) x (suspend)] (.update c x) c))))
              (catch [e] e.type-name)))
