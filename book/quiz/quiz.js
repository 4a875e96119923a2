// Quizzes and interview sets in the book, rendered from quizzes/*.yaml by `learn book`
// (grader/src/book/quiz_html.rs). The same rules as the terminal (grader/src/quiz/answer.rs):
// single and multiple choice, numbers within a tolerance, short answers compared trimmed,
// case-insensitive and with whitespace collapsed, ordering (letters as in `learn quiz`).
// Each answer is kept in localStorage under "learn-quiz:<kind>-<module>:<question-id>", so
// editing one question never loses the answers to the others.
"use strict";

(function () {
    const PREFIX = "learn-quiz:";

    function storageKey(set, id) {
        return PREFIX + set + ":" + id;
    }

    function load(set, q) {
        const ids = [q.dataset.qid].concat((q.dataset.aliases || "").split(" ").filter(Boolean));
        for (const id of ids) {
            try {
                const raw = localStorage.getItem(storageKey(set, id));
                if (raw) return JSON.parse(raw);
            } catch (e) {
                // No storage (private mode, file://): the quiz still works, it just forgets.
            }
        }
        return null;
    }

    function save(set, q, record) {
        try {
            localStorage.setItem(storageKey(set, q.dataset.qid), JSON.stringify(record));
        } catch (e) {
            // See load().
        }
    }

    function normalize(s) {
        return s.trim().split(/\s+/).filter(Boolean).join(" ").toLowerCase();
    }

    // What the learner gave, in the form it is stored in; null when nothing usable was given.
    function readAnswer(q) {
        switch (q.dataset.type) {
            case "single": {
                const picked = q.querySelector(".wb-choices input:checked");
                return picked ? Number(picked.value) : null;
            }
            case "multiple": {
                const picked = Array.from(q.querySelectorAll(".wb-choices input:checked")).map((i) => Number(i.value));
                return picked.length ? picked : null;
            }
            case "numeric":
            case "short": {
                const text = q.querySelector(".wb-input").value;
                return text.trim() ? text : null;
            }
            case "ordering":
                return Array.from(q.querySelectorAll(".wb-order li")).map((li) => Number(li.dataset.index));
            case "interview":
                return Array.from(q.querySelectorAll(".wb-points input:checked")).map((i) => Number(i.value));
        }
        return null;
    }

    function parseNumber(q, text) {
        let t = text.trim().replace(/[_,]/g, "");
        const unit = q.dataset.unit;
        if (unit && t.endsWith(unit)) t = t.slice(0, -unit.length).trim();
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
        const x = Number(t);
        return Number.isFinite(x) ? x : null;
    }

    // 1 or 0 for quiz questions, the fraction of key points for interview questions; null when
    // the answer cannot be read (e.g. not a number).
    function score(q, answer) {
        const choices = Array.from(q.querySelectorAll(".wb-choice"));
        switch (q.dataset.type) {
            case "single":
                return choices[answer] && choices[answer].dataset.correct === "true" ? 1 : 0;
            case "multiple":
                return choices.every((c, i) => (c.dataset.correct === "true") === answer.includes(i)) ? 1 : 0;
            case "numeric": {
                const x = parseNumber(q, answer);
                if (x === null) return null;
                const right = Number(q.dataset.answer);
                const tolerance = Number(q.dataset.tolerance);
                return Math.abs(x - right) <= tolerance + 1e-9 * Math.abs(right) ? 1 : 0;
            }
            case "short": {
                const accept = JSON.parse(q.dataset.accept);
                return accept.some((a) => normalize(a) === normalize(answer)) ? 1 : 0;
            }
            case "ordering":
                return answer.every((index, position) => index === position) ? 1 : 0;
            case "interview":
                return answer.length / q.querySelectorAll(".wb-points li").length;
        }
        return 0;
    }

    // Puts a stored answer back into the inputs.
    function restore(q, answer) {
        switch (q.dataset.type) {
            case "single":
            case "multiple": {
                const picked = [].concat(answer);
                q.querySelectorAll(".wb-choices input").forEach((i) => (i.checked = picked.includes(Number(i.value))));
                break;
            }
            case "numeric":
            case "short":
                q.querySelector(".wb-input").value = answer;
                break;
            case "ordering": {
                const list = q.querySelector(".wb-order");
                const items = Array.from(list.children);
                if (answer.length !== items.length) return;
                for (const index of answer) {
                    const li = items.find((x) => Number(x.dataset.index) === index);
                    if (li) list.appendChild(li);
                }
                break;
            }
            case "interview":
                q.querySelectorAll(".wb-points input").forEach((i) => (i.checked = answer.includes(Number(i.value))));
                q.querySelector(".wb-model").hidden = false;
                break;
        }
    }

    function show(q, s) {
        const feedback = q.querySelector(".wb-feedback");
        const right = q.querySelector(".wb-right");
        feedback.hidden = false;
        q.classList.remove("wb-was-right", "wb-was-wrong");
        if (q.dataset.type === "interview") {
            const total = q.querySelectorAll(".wb-points li").length;
            const covered = Math.round(s * total);
            feedback.textContent = "Recorded: " + covered + " of " + total + " key points covered (self-assessed).";
        } else if (s === 1) {
            q.classList.add("wb-was-right");
            feedback.textContent = "Right.";
        } else {
            q.classList.add("wb-was-wrong");
            feedback.textContent = "Not quite. The answer: " + (right ? right.textContent : "");
        }
        // Every choice says why it is right or wrong once the question is answered.
        q.querySelectorAll(".wb-choice").forEach((c) => {
            c.classList.add(c.dataset.correct === "true" ? "wb-correct" : "wb-incorrect");
            const why = c.querySelector(".wb-why");
            if (why) why.hidden = false;
        });
        const explanation = q.querySelector(".wb-explanation");
        if (explanation) explanation.hidden = false;
        const retry = q.querySelector(".wb-retry");
        if (retry) retry.hidden = false;
    }

    function clear(q) {
        q.classList.remove("wb-was-right", "wb-was-wrong");
        q.querySelectorAll(".wb-feedback, .wb-explanation, .wb-why, .wb-retry").forEach((e) => (e.hidden = true));
        q.querySelectorAll(".wb-choice").forEach((c) => c.classList.remove("wb-correct", "wb-incorrect"));
        q.querySelectorAll(".wb-choices input, .wb-points input").forEach((i) => (i.checked = false));
        q.querySelectorAll(".wb-input").forEach((i) => (i.value = ""));
        if (q.dataset.type === "interview") q.querySelector(".wb-model").hidden = true;
    }

    function updateScore(setEl) {
        const set = setEl.dataset.set;
        const questions = Array.from(setEl.querySelectorAll(".wb-q"));
        let answered = 0;
        let points = 0;
        for (const q of questions) {
            const record = load(set, q);
            if (record && typeof record.score === "number") {
                answered += 1;
                points += record.score;
            }
        }
        const total = questions.length;
        const pct = Math.round((100 * points) / total);
        const what = setEl.dataset.kind === "interview" ? "key points covered (self-assessed)" : "right";
        setEl.querySelector(".wb-score").textContent =
            "Answered " + answered + " of " + total + " · " + pct + "% " + what + " · kept in this browser only; `cargo learn quiz " +
            setEl.dataset.module + (setEl.dataset.kind === "interview" ? " --interview" : "") + "` records your progress.";
    }

    function setUp(setEl) {
        const set = setEl.dataset.set;
        for (const q of setEl.querySelectorAll(".wb-q")) {
            const check = q.querySelector(".wb-check");
            check.addEventListener("click", () => {
                const answer = readAnswer(q);
                const feedback = q.querySelector(".wb-feedback");
                if (answer === null) {
                    feedback.hidden = false;
                    feedback.textContent = q.dataset.type === "numeric" ? "Please enter a number." : "Please answer first.";
                    return;
                }
                const s = score(q, answer);
                if (s === null) {
                    feedback.hidden = false;
                    feedback.textContent = "Please enter a number" + (q.dataset.unit ? " (in " + q.dataset.unit + ")" : "") + ".";
                    return;
                }
                save(set, q, { answer: answer, score: s, at: new Date().toISOString() });
                show(q, s);
                updateScore(setEl);
            });
            const retry = q.querySelector(".wb-retry");
            if (retry) retry.addEventListener("click", () => clear(q));
            const reveal = q.querySelector(".wb-reveal");
            if (reveal) reveal.addEventListener("click", () => (q.querySelector(".wb-model").hidden = false));
            q.querySelectorAll(".wb-input").forEach((input) =>
                input.addEventListener("keydown", (e) => {
                    if (e.key === "Enter") check.click();
                }),
            );
            q.querySelectorAll(".wb-up, .wb-down").forEach((button) =>
                button.addEventListener("click", () => {
                    const li = button.closest("li");
                    if (button.classList.contains("wb-up") && li.previousElementSibling) {
                        li.parentNode.insertBefore(li, li.previousElementSibling);
                    } else if (button.classList.contains("wb-down") && li.nextElementSibling) {
                        li.parentNode.insertBefore(li.nextElementSibling, li);
                    }
                }),
            );
            const record = load(set, q);
            if (record && record.answer !== undefined) {
                restore(q, record.answer);
                if (typeof record.score === "number") show(q, record.score);
            }
        }
        setEl.querySelector(".wb-reset").addEventListener("click", () => {
            if (!window.confirm("Clear your answers to every question on this page?")) return;
            for (const q of setEl.querySelectorAll(".wb-q")) {
                try {
                    localStorage.removeItem(storageKey(set, q.dataset.qid));
                } catch (e) {
                    // See load().
                }
                clear(q);
            }
            updateScore(setEl);
        });
        updateScore(setEl);
    }

    // Under `learn book serve`, reload the page when the book is rebuilt. Anywhere else (the
    // plain `mdbook serve`, a file:// page) the first request fails and polling stops.
    function watchRebuilds() {
        if (location.protocol !== "http:") return;
        let seen = null;
        const poll = () =>
            fetch("/__learn/build", { cache: "no-store" })
                .then((r) => (r.ok ? r.text() : Promise.reject()))
                .then((build) => {
                    if (seen !== null && build !== seen) location.reload();
                    seen = build;
                    setTimeout(poll, 1000);
                })
                .catch(() => {});
        poll();
    }

    function start() {
        document.querySelectorAll(".wb-set").forEach(setUp);
        watchRebuilds();
    }

    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
})();
