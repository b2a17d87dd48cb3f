;; examples/versioning/workflows/v2/orders.tm: the version deployed second: the price and the order changed (docs/versioning.md)
(defn price [qty] (* qty 12))

(defworkflow order [n]
  (def total (step (price n)))            ; committed with its checkpoint, and the checkpoint with its code
  (def ok (recv "go"))                    ; in flight: waits here across the deploy
  (step (str "v2 order " n " total " total " incl. tax" (if ok "" " (cancelled)"))))

(defn version-of [s] (first (string/split s " ")))
(defn tally [xs] (reduce (fn [m x] (assoc m x (inc (get m x 0)))) {} xs))

(defn main []
  (let [args (command-line-args) cmd (first args) n (second args)]
    (cond
      (= cmd "start")                     ; start N orders; a worker runs them until they wait
      (let [ids (map (fn [i] (start-workflow order [i] :id (str "order-" i))) (range (parse-int n)))]
        (println "started" (count ids) "orders"))
      (= cmd "release")                   ; let the N orders in flight go on
      (do (for-each (range (parse-int n)) (fn [i] (send (str "order-" i) "go" #t)))
          (println "released" n "orders"))
      (= cmd "new")                       ; N new orders after the deploy, run to the end here
      (let [ids (map (fn [i] (start-workflow order [i] :id (str "new-" i))) (range (parse-int n)))]
        (for-each ids (fn [id] (send id "go" #t)))
        (println "new orders:" (tally (map (fn [id] (version-of (await-workflow id))) ids))))
      (= cmd "tally")                     ; which version each of the first N orders finished on
      (println "in-flight orders:"
               (tally (map (fn [i] (version-of (await-workflow (str "order-" i)))) (range (parse-int n))))))))
