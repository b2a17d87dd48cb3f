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

(defn main []
  (println "agent came home with:"
           (await-task (spawn-agent "node-a" (fn [] (visit ["node-a" "node-b" "node-c"])))))
  (println (try (await-task (spawn-agent "node-c" (fn [] (write-file "x.txt" "x"))))
                (catch [e] e.message))))
