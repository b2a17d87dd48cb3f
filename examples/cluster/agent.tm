;; examples/cluster/agent.tm: a signed agent touring three nodes (docs/cluster.md)
;; Each node has its own "inventory"; the agent holds a handle to it that is
;; re-acquired on every node it arrives at (Resource-Serializable), counts what it
;; finds there, and brings the counts home.
(struct inventory [node : string])
(instance Resource-Serializable inventory
  (marshal [inv] "inventory")                      ; the token: which resource, not whose
  (unmarshal [_] (inventory (current-node))))      ; arriving: this node's inventory

(defn stock [inv] (count (string/split (read-text (str inv.node ".stock")) "\n")))

(defn visit [itinerary]
  (let [inv (inventory (current-node))]
    (loop [ns itinerary acc []]
      (if (empty? ns)
        acc
        (do (migrate-to (first ns))
            (recur (rest ns) (conj acc [inv.node (stock inv)])))))))

(defn wait-for-nodes [names]          ; run_agent.sh starts the nodes at once: wait until all joined
  (loop [tries 0]
    (let [live (set (cluster-nodes))]
      (when (and (< tries 600) (not (every? (fn [n] (contains? live n)) names)))
        (sleep-for 0.05)
        (recur (inc tries))))))

(defn main []
  (wait-for-nodes ["node-a" "node-b" "node-c"])
  (println "agent came home with:"
           (await-workflow (spawn-agent "node-a" (fn [] (visit ["node-a" "node-b" "node-c"])))))
  (println (try (await-workflow (spawn-agent "node-c" (fn [] (write-file "x.txt" "x"))))
                (catch [e] e.message))))
