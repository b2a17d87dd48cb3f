;; an order workflow whose stock runs out half way (docs/debugging.md)
(def prices {"tea" 6 "teapot" 25 "cup" 4})

(defn stock-of [item]
  ;; the warehouse's count, read from stock.txt ("item count" lines)
  (let [rows (map (fn [l] (string/split l " ")) (filter (fn [l] (> (count l) 0)) (string/split (read-text "stock.txt") "\n")))
        row (first (filter (fn [r] (= (first r) item)) rows))]
    (if row (parse-int (second row)) 0)))

(defn reserve [item qty]
  (let [have (stock-of item)]
    (if (< have qty)
      (throw (str "out of stock: " qty " " item " wanted, " have " left"))
      qty)))

(defworkflow place-order [customer lines]
  (loop [ls lines total 0 shipped []]
    (if (empty? ls)
      {:customer customer :total total :shipped shipped}
      (let [line (first ls)
            item (first line)
            got (step (reserve item (second line)))]
        (recur (rest ls) (+ total (* got (get prices item))) (conj shipped [item got]))))))

(defn main []
  (start-workflow place-order ["ann" [["tea" 2] ["teapot" 2] ["cup" 4]]] :id "order-ann")
  (println "order:" (try (await-workflow "order-ann") (catch [e] (str "failed: " e)))))
