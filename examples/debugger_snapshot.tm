;; Debugger snapshots: freeze a running computation at a chosen point, save it, and
;; look at it later, or replay it from that point with other values, without
;; running the program from the start.
;;
;; Run (snapshot.bin is written in the current folder):
;;     turmeric run debugger_snapshot.tm
;;         prints the captured frames, then "invoice: ann owes 67 for 2 lines"
;;         (the snapshot point returned 10, a 10% tax)
;;     turmeric inspect snapshot.bin
;;         the frames, innermost first: each function's symbol
;;         (debugger_snapshot.price-with-tax, debugger_snapshot.invoice, ...), its
;;         file:line, and the names and values of its arguments and locals
;;         (item "teapot", qty 2, unit 25, subtotal 50, customer "ann", ...)
;;     turmeric inspect snapshot.bin --json
;;         the same as JSON
;;     turmeric resume snapshot.bin --value 20
;;         replays from the snapshot with a 20% tax: prints "ann owes 72 for 2 lines"

(def prices {"tea" 6 "teapot" 25})

(defn snapshot! [file default]
  ;; freeze the computation here: save it, show its frames, and carry on
  (cloneable-shift [k]
    (write-file file (serialize k))
    (println "snapshot saved to" file ":" k)
    (for-each (continuation-frames k)
              (fn [f] (println "  " f.fn-symbol "args" f.args "locals" f.captures)))
    (continue k default)))

(defn price-with-tax [item qty]
  (let [unit (get prices item)
        subtotal (* unit qty)
        tax-percent (snapshot! "snapshot.bin" 10)]   ; the frozen point
    (+ subtotal (quot (* subtotal tax-percent) 100))))

(defn invoice [customer items]
  (let [lines (count items)
        tea-cost (* 2 (get prices "tea"))
        teapot-cost (price-with-tax "teapot" 2)]
    (str customer " owes " (+ tea-cost teapot-cost) " for " lines " lines")))

(defn main []
  (println "invoice:" (cloneable-reset (fn [] (invoice "ann" ["tea" "teapot"])))))
