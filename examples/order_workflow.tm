;; A persistent multi-step workflow that survives crashes: the seed guide's
;; `process-order`, `checkpoint` macro and `resume-from-checkpoint`, exactly as the
;; guide writes them, plus the user functions the guide leaves out.
;;
;; Run (files are read and written in the current folder):
;;     turmeric run order_workflow.tm
;;         processes order 1: prints "charged ...", "fulfilled ...", "result: ...";
;;         writes checkpoint-order-validated.bin, checkpoint-payment-charged.bin,
;;         checkpoint-order-fulfilled.bin, and one line per charge in charges.log.
;;     turmeric run order_workflow.tm start 7
;;         the same for order 7 (starting an order first deletes the checkpoint
;;         files of an earlier one; charges.log and fulfilled.log are kept).
;;     turmeric run order_workflow.tm resume payment-charged
;;         a fresh process resumes the order right after the payment step: it
;;         fulfils the order and prints "resumed: ..." without charging again.
;;
;; To see a crash: start with a pause before fulfilment, then kill the process
;; while it waits (the payment checkpoint is already on disk), then resume:
;;     turmeric run order_workflow.tm start 1 --pause-before-fulfill
;;         (in another terminal: kill -9 <pid>, or just press Ctrl-C)
;;     turmeric run order_workflow.tm resume payment-charged
;;     cat charges.log                ; exactly one "charged" line
;;
;; Charges and fulfilments are appended to charges.log and fulfilled.log, so a
;; double charge is visible as a second line in charges.log.

;; --- the user's own functions (the guide calls them but does not define them) ---

(struct Order [id : int64 item : string payment-info : string])
(instance Serializable Order)          ; derived: an Order may sit in a checkpoint

(defn load-order [order-id]
  (println "loading order" order-id)
  (Order order-id "green tea" (str "card-" (+ 4240 order-id))))

(defn valid-order? [order]
  (and (Order? order) (> (count order.payment-info) 0)))

(defn append-line [path line]
  (def fh (open-file path "a"))
  (write-line fh line)
  (close fh))

(defn charge-payment [payment-info]
  ;; a slow network call in real life; here it records the charge in a file
  (append-line "charges.log" (str "charged " payment-info))
  (println "charged" payment-info)
  (str "receipt-" payment-info))

(defn flag? [name]
  ;; read in whichever process runs this code: globals and host calls are not
  ;; part of a checkpoint, so a resumed run sees its own command line
  (any? (fn [a] (= a name)) (command-line-args)))

(defn fulfill [order charge-result]
  (when (flag? "--pause-before-fulfill")
    (println "paused before fulfilment: press Enter to go on, or kill this process")
    (def stdin (open-file "/dev/stdin" "r"))
    (read-line stdin)
    (close stdin))
  (append-line "fulfilled.log" (str "order " order.id " " charge-result))
  (println "fulfilled order" order.id)
  (str "shipped order " order.id " (" order.item "), " charge-result))

;; --- the seed guide's workflow, as written ---

(defn process-order [order-id]
  ;; Step 1: Validate order
  (def order (load-order order-id))
  (unless (valid-order? order)
    (throw (validation-error "Invalid order")))
  (checkpoint "order-validated" order)

  ;; Step 2: Charge payment (slow network call)
  (def charge-result (charge-payment order.payment-info))
  (checkpoint "payment-charged" charge-result)

  ;; Step 3: Fulfill order
  (def fulfillment (fulfill order charge-result))
  (checkpoint "order-fulfilled" fulfillment)

  fulfillment)

;; Checkpointing macro
(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     ;; Save continuation to disk
     (def checkpoint-file (str "checkpoint-" ~name ".bin"))
     (write-file checkpoint-file (serialize k))
     ;; Resume immediately on first run
     (continue k ~value)))

;; On crash, user can resume from last checkpoint
(defn resume-from-checkpoint [name]
  (def checkpoint-file (str "checkpoint-" name ".bin"))
  (def k (deserialize (read-file checkpoint-file)))
  (resume k))

;; --- command line ---

(defn start-order [order-id]
  ;; a new order starts with no checkpoints from an earlier one
  (for-each ["order-validated" "payment-charged" "order-fulfilled"]
            (fn [name] (when (file-exists? (str "checkpoint-" name ".bin"))
                         (delete-file (str "checkpoint-" name ".bin")))))
  (println "result:" (cloneable-reset (fn [] (process-order order-id)))))

(defn main []
  (def args (filter (fn [a] (not= a "--pause-before-fulfill")) (command-line-args)))
  (match (vec args)
    ["resume" name] -> (println "resumed:" (resume-from-checkpoint name))
    ["start" id] -> (start-order (parse-int id))
    [] -> (start-order 1)
    _ -> (do (println "usage: turmeric run order_workflow.tm [start ID | resume NAME] [--pause-before-fulfill]")
             (exit 2))))
