;; Web continuations (Racket-style): the checkout is written as straight-line code.
;; When it needs the customer's form, `get-checkout` saves "what to do when the form
;; is submitted" (the continuation) under a random token and returns the page; the
;; form's action URL carries the token. The submission is handled by another process
;; (another request, another worker, a restarted server): it loads the continuation
;; by its token and resumes it with the form data.
;;
;; Run (session files are written in the current folder):
;;     turmeric run web_continuation.tm get
;;         "GET /checkout": prints the page, whose form action is
;;         /checkout-submit?token=TOKEN, then "token: TOKEN"; writes session-TOKEN.k
;;     turmeric run web_continuation.tm post TOKEN "name=Ann&city=Oslo"
;;         "POST /checkout-submit?token=TOKEN" with that form body: prints
;;         "Thank you Ann: 2 items (tea, teapot) ship to Oslo. Total 37"
;;
;; Session files are signed with the server's key (`sign` / `verify`): a client can
;; only point at a session by its token, and a modified session file is rejected
;; with (corrupt-data "signature mismatch") before anything in it is deserialized.
;; The key is a global of this module, so it is never written into a session.

(def server-key "change-me: the server's secret signing key")
(def token-alphabet "abcdefghijklmnopqrstuvwxyz0123456789")

;; --- the "database": one signed file per session token ---

(defn random-token []
  (def fh (open-file "/dev/urandom" "rb"))
  (def token
    (loop [acc ""]
      (if (>= (count acc) 24)
        (subs acc 0 24)
        (let [chunk (read-line fh)]          ; random bytes up to the next newline byte
          (recur (apply str acc (map (fn [b] (let [j (mod b 36)] (subs token-alphabet j (inc j))))
                                     (seq chunk))))))))
  (close fh)
  token)

(defn session-file [token]
  (unless (and (= (count token) 24)
               (every? (fn [c] (any? (fn [a] (= a c)) (seq token-alphabet))) (seq token)))
    (throw (validation-error (str "bad token " token))))
  (str "session-" token ".k"))

(defn save-continuation-to-db [k]
  (def token (random-token))
  (write-file (session-file token) (sign (serialize k) server-key "web-session"))
  token)

(defn load-continuation-from-db [token]
  (deserialize (verify (read-file (session-file token)) server-key "web-session")))

;; --- a tiny HTML layer ---

(defn form [& options]
  (def opts (apply hash-map options))
  (str "<form method=\"post\" action=\"" (get opts :action) "\">"
       "<input name=\"name\"> <input name=\"city\"> <button>Buy</button></form>"))

(defn render-page [body]
  (str "<html><body><h1>Checkout</h1>" body "</body></html>"))

(defn parse-form-data [req]
  ;; "name=Ann&city=Oslo" -> {:name "Ann" :city "Oslo"}
  (reduce (fn [m pair]
            (let [kv (string/split pair "=")]
              (assoc m (keyword (first kv)) (second kv))))
          {}
          (string/split (get req :body) "&")))

;; --- the seed guide's handlers ---

;; Initial page
(defn get-checkout [req]
  (cloneable-shift [k]
    ;; Save continuation to disk, return URL token
    (def token (save-continuation-to-db k))
    (render-page
      (form :action (str "/checkout-submit?token=" token)))))

;; Form submission handler
(defn post-checkout-submit [token req]
  ;; Load and resume continuation
  (def k (load-continuation-from-db token))
  (def response (resume k (parse-form-data req)))
  response)

;; --- the checkout itself, as one straight-line function ---

(def prices {"tea" 12 "teapot" 25})

(defn checkout [req]
  (def cart (get req :cart))                 ; captured in the session: a snapshot
  (def form-data (get-checkout req))         ; the page goes out; we resume here
  (str "Thank you " (get form-data :name) ": " (count cart) " items ("
       (string/join ", " cart) ") ship to " (get form-data :city)
       ". Total " (reduce + 0 (map (fn [item] (get prices item)) cart))))

(defn main []
  (match (vec (command-line-args))
    ["get"] ->
      (do (def page (cloneable-reset (fn [] (checkout {:path "/checkout" :cart ["tea" "teapot"]}))))
          (println page)
          (println "token:" (first (string/split (second (string/split page "token=")) "\""))))
    ["post" token body] ->
      (println (post-checkout-submit token {:path "/checkout-submit" :body body}))
    _ -> (do (println "usage: turmeric run web_continuation.tm get | post TOKEN FORM-BODY")
             (exit 2))))
