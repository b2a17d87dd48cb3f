;; examples/versioning/v1/app.tm: the version deployed first (docs/versioning.md)
(defn stage1 [i] (* i 2))
(defn job [i]
  (let [a (stage1 i)
        _ (receive-bytes)]          ; parks the task: a checkpoint in the store, with its code
    (str "v1 job " i)))

(defn version-of [s] (first (string/split s " ")))
(defn tally [xs] (reduce (fn [m x] (assoc m x (inc (get m x 0)))) {} xs))

(defn main []
  (let [args (command-line-args) cmd (first args) n (second args)]
    (cond
      (= cmd "start")
      (let [ids (map (fn [i] (spawn-on "app" (fn [] (job i)))) (range (parse-int n)))]
        (write-file "ids.txt" (string/join "\n" ids))
        (println "started" (count ids) "tasks"))
      (= cmd "finish")
      (let [ids (string/split (read-text "ids.txt") "\n")]
        (for-each ids (fn [_] (send-to-node "app" (string->bytes "go"))))
        (let [results (map await-task ids)]
          (println "after the deploy:" (count results) "finished," (tally (map version-of results)))))
      (= cmd "new")
      (let [id (spawn-on "app" (fn [] (job 100)))]
        (send-to-node "app" (string->bytes "go"))
        (println "a new task:" (await-task id))))))
