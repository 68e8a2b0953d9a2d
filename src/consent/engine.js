// cookiescan's in-page consent helper. Evaluated in a frame (the page's own world for the top
// document, an isolated world for iframes) and called as __cookiescanConsent(command, arg).
// It never decides anything by itself: the Rust side picks rules, flows and outcomes.
(() => {
  if (window.__cookiescanConsent) return;

  // Selector chains: "host >>> inner" descends into open shadow roots.
  const queryAll = (selector, root = document) => {
    const parts = selector.split(" >>> ");
    let scopes = [root];
    for (let i = 0; i < parts.length; i++) {
      const next = [];
      for (const scope of scopes) {
        let found = [];
        try { found = Array.from(scope.querySelectorAll(parts[i])); } catch (e) { return []; }
        if (i === parts.length - 1) next.push(...found);
        else for (const el of found) if (el.shadowRoot) next.push(el.shadowRoot);
      }
      scopes = next;
    }
    return scopes;
  };

  const isVisible = (el) => {
    if (!el || !el.isConnected) return false;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) return false;
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) return false;
    // Hidden ancestors (display:none) give a zero box; opacity 0 ancestors do not.
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (Number(s.opacity) === 0 || s.visibility === "hidden") return false;
    }
    return true;
  };

  // A button's label: its text, else the text slotted into it (web components draw labels
  // from `<slot>`s, which `innerText` does not see), else its value, aria-label or title.
  const labelOf = (el) => {
    let text = (el.innerText || "").trim();
    if (!text) {
      const slots = Array.from((el.shadowRoot || el).querySelectorAll("slot"));
      if (el.tagName === "SLOT") slots.push(el);
      text = slots
        .flatMap((slot) => slot.assignedNodes({ flatten: true }))
        .map((node) => node.textContent || "")
        .join(" ")
        .trim();
    }
    if (!text) text = el.value || el.getAttribute("aria-label") || el.getAttribute("title") || "";
    return String(text).trim().replace(/\s+/g, " ");
  };

  const describe = (el) => {
    const text = labelOf(el);
    let tag = el.tagName.toLowerCase();
    if (el.id) tag += "#" + el.id;
    else if (el.classList.length) tag += "." + Array.from(el.classList).slice(0, 2).join(".");
    return text ? `${tag} "${text.slice(0, 60)}"` : tag;
  };

  const globalExists = (path) => {
    let value = window;
    for (const part of path.split(".")) {
      try { value = value[part]; } catch (e) { return false; }
      if (value === undefined || value === null) return false;
    }
    return true;
  };

  const click = (el) => {
    el.scrollIntoView({ block: "center" });
    // A real-looking sequence: some banners listen to mousedown/pointerup, most to click.
    for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup"]) {
      try { el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window })); } catch (e) {}
    }
    el.click();
  };

  // Clicks an element and says what it was; null when there is none.
  const pressed = (el) => {
    if (!el) return null;
    const what = describe(el);
    click(el);
    return what;
  };

  // Toggles: a checkbox's `checked`, or a switch's aria-checked / aria-pressed.
  const isOn = (el) => el.tagName === "INPUT"
    ? el.checked
    : (el.getAttribute("aria-checked") || el.getAttribute("aria-pressed")) === "true";
  const isEnabled = (el) => !el.disabled && el.getAttribute("aria-disabled") !== "true";

  // What a visitor clicks to flip a toggle: the toggle when it is visible, else a visible label
  // for it (the usual styled switch drawn over a visually hidden checkbox), else the toggle.
  const toggleTarget = (el) => {
    if (isVisible(el)) return el;
    const label = Array.from(el.labels || []).find(isVisible);
    if (label) return label;
    const wrapper = el.parentElement && el.parentElement.closest("label, [role=switch]");
    return wrapper && isVisible(wrapper) ? wrapper : el;
  };

  // The innermost element at a point of this frame's viewport, through open shadow roots.
  const deepHit = (x, y) => {
    let node = document.elementFromPoint(x, y);
    while (node && node.shadowRoot) {
      const inner = node.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === node) break;
      node = inner;
    }
    return node;
  };
  const composedContains = (el, node) => {
    for (let n = node; n; n = n.parentNode || n.host) if (n === el) return true;
    return false;
  };
  // One animation frame, or 100 ms where frames are throttled.
  const nextFrame = () => new Promise((done) => {
    const timer = setTimeout(done, 100);
    requestAnimationFrame(() => { clearTimeout(timer); done(); });
  });
  // Playwright's actionability checks: attached and visible, enabled, stable (the same box over
  // two animation frames), and the element itself receives a click at its centre.
  const probe = async (el) => {
    if (!el || !isVisible(el)) return { ok: false, reason: "not visible" };
    if (!isEnabled(el)) return { ok: false, reason: "disabled" };
    const box0 = el.getBoundingClientRect();
    if (box0.top < 0 || box0.bottom > innerHeight || box0.left < 0 || box0.right > innerWidth) {
      el.scrollIntoView({ block: "center", inline: "center" });
    }
    const box1 = el.getBoundingClientRect();
    await nextFrame();
    await nextFrame();
    const box = el.getBoundingClientRect();
    if (box.x !== box1.x || box.y !== box1.y || box.width !== box1.width || box.height !== box1.height) {
      return { ok: false, reason: "still moving" };
    }
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    const hit = deepHit(x, y);
    if (!hit || !composedContains(el, hit)) {
      return { ok: false, reason: "covered by " + (hit ? describe(hit) : "nothing") };
    }
    return { ok: true, x, y, what: describe(el) };
  };

  // Switches off every enabled toggle that is on, through what a visitor would click, then
  // the toggle itself; reports what is still on.
  const switchOffAll = (toggles) => {
    const on = () => toggles().filter((el) => isEnabled(el) && isOn(el));
    let switched = 0;
    for (const el of on()) {
      const target = toggleTarget(el);
      click(target);
      if (isOn(el) && target !== el) el.click();
      if (!isOn(el)) switched++;
    }
    return { switched, on: on().map(describe) };
  };
  const TOGGLES = "input[type=checkbox], [role=switch], [role=checkbox], button[aria-pressed]";
  const bannerToggles = (el) => allElements(el.shadowRoot || el)
    .concat(el.shadowRoot ? allElements(el) : [])
    .filter((t) => t.matches(TOGGLES));

  // Multilingual button vocabulary: the 24 official EU languages and Norwegian. Word boundaries
  // are Unicode letters and digits, not ASCII `\b`, or words ending in `ć` or `ę` never match;
  // refusals are tried first, so a negated accept ("I do not agree") reads as one.
  const WORDS = {
    reject: /(?<![\p{L}\p{N}_])(do not agree|don't agree|do not accept|don't accept|not agree|refusal|technically necessary|necessary cookies only|only (?:the )?(?:strictly )?necessary|reject|decline|deny|refuse|disagree|necessary only|only necessary|essential only|only essential|continue without|tout refuser|refuser|continuer sans accepter|je refuse|alle ablehnen|ablehnen|nur notwendige|nur essenzielle|ohne zustimmung|rechazar|rechazar todo|denegar|solo necesarias|rifiuta|rifiuta tutto|nega|solo necessari|continua senza accettare|weigeren|alles weigeren|afwijzen|alleen noodzakelijk|rejeitar|recusar|rejeitar tudo|apenas necessários|odrzuć|odrzuć wszystkie|tylko niezbędne|avvisa|avböj|neka|endast nödvändiga|afvis|afvis alle|kun nødvendige|n'accepte pas|nicht zustimmen|nicht akzeptieren|no acepto|non accetto|niet akkoord|nie zgadzam się|nie akceptuję|odmítnout|odmítnout vše|pouze nezbytné|nesouhlasím|nie súhlasím|ne prihvaćam|ne slažem se|en hyväksy|nem fogadom el|nu accept|nu sunt de acord|ne strinjam se|nesutinku|nepiekrītu|ei nõustu|не приемам|не съм съгласен|δεν αποδέχομαι|δεν συμφωνώ|godtar ikke|jeg godtar ikke|отхвърляне|отхвърли|откажи|отказвам|само необходимите|odbij|odbijam|odbij sve|samo nužni|samo neophodni|keeldu|keeldun|lükka tagasi|ainult vajalikud|hylkää|hylkää kaikki|kieltäydy|vain välttämättömät|απόρριψη|απόρριψη όλων|αρνούμαι|μόνο τα απαραίτητα|elutasít|elutasítom|összes elutasítása|elutasítás|csak a szükségesek|diúltaigh|noraidīt|noraidīt visus|tikai nepieciešamās|atmesti|atmesti visus|tik būtini|tik būtinus|irrifjuta|irrifjuta kollox|refuz|refuză|resping|respinge|respinge tot|respinge toate|doar necesare|odmietnuť|odmietnuť všetko|odmietnuť všetky|iba nevyhnutné|len nevyhnutné|zavrni|zavrni vse|samo nujni|samo nujne|avslå|avvis|avslå alle|bare nødvendige|elvet|elvetem|renunță|renunta|keela|keelan|tacka nej|rifiuto|avslår|technically required|required cookies only|essential cookies only|only required|nur technisch notwendige|accept necessary|accept only necessary|accept essential|accept only essential|accept required|allow necessary|allow only necessary|allow essential|allow only essential|accept necessary cookies|přijmout nezbytné|přijmout pouze nezbytné|jen nezbytné|prijať nevyhnutné|prijať iba nevyhnutné|akceptuj niezbędne|akceptuj tylko niezbędne|accetta necessari|accetta solo necessari|aceptar necesarias|aceptar solo necesarias|accepter les nécessaires|accepter uniquement les nécessaires|notwendige akzeptieren|nur notwendige akzeptieren|essenzielle akzeptieren|tillad nødvendige|godta nødvendige|acceptera nödvändiga|accepteer noodzakelijke|aceitar necessários)(?![\p{L}\p{N}_])/iu,
    accept: /(?<![\p{L}\p{N}_])(accept|agree|allow|consent|i understand|tout accepter|accepter|j'accepte|d'accord|alle akzeptieren|akzeptieren|zustimmen|einverstanden|alle zulassen|aceptar|aceptar todo|acepto|accetta|accetta tutto|accetto|acconsento|accepteren|alles accepteren|akkoord|toestaan|aceitar|aceitar tudo|concordo|akceptuj|zaakceptuj|zgadzam się|acceptera|godkänn|tillåt alla|acceptér|accepter alle|tillad alle|přijmout|přijmout vše|souhlasím|приемам|приеми|приемане|приеми всички|съгласен|prihvati|prihvaćam|prihvati sve|slažem se|nõustu|nõustun|luba kõik|aktsepteeri|hyväksy|hyväksyn|hyväksy kaikki|salli kaikki|αποδοχή|αποδέχομαι|αποδοχή όλων|συμφωνώ|elfogad|elfogadom|összes elfogadása|elfogadás|egyetértek|glac|glacaim|aontaím|piekrītu|pieņemt|pieņemt visus|akceptēt|sutinku|priimti|priimti visus|leisti visus|naċċetta|aċċetta|aċċetta kollox|naqbel|acceptă|accept tot|acceptă toate|sunt de acord|prijať|prijať všetko|súhlasím|povoliť všetko|sprejmi|sprejmem|sprejmi vse|strinjam se|dovoli vse|godta|godta alle|aksepter|tillat alle|jeg godtar|fogadj el|fogadd el|akseptere|aksepterer|aanvaarden|alles aanvaarden|accepta|accettare|hyväksyä)(?![\p{L}\p{N}_])/iu,
    acknowledge: /^(ok|okay|got it|close|fermer|schließen|cerrar|chiudi|sluiten|fechar|zamknij|stäng|luk|compris|verstanden|entendido|capito|begrepen|entendi|rozumiem|jag förstår|forstået)[.!]?$/i,
    // Saving the current choice in a settings layer (its label may change as toggles change).
    save: /(?<![\p{L}\p{N}_])(save|confirm|submit|apply|selection|selected|my choices|enregistrer|sauvegarder|valider|confirmer|ma sélection|mes choix|speichern|bestätigen|auswahl|guardar|confirmar|selección|mis opciones|salva|conferma|selezione|le mie scelte|opslaan|bevestigen|selectie|mijn keuzes|salvar|seleção|minhas escolhas|zapisz|potwierdź|wybór|wybrane|spara|bekräfta|urval|mina val|gem|bekræft|valgte|mine valg|uložit|potvrdit|výběr|vybrané|запази|запазване|spremi|spremi postavke|salvesta|tallenna|vahvista|αποθήκευση|επιβεβαίωση|mentés|megerősítés|sábháil|saglabāt|apstiprināt|išsaugoti|patvirtinti|issejvja|ikkonferma|salvează|confirmă|uložiť|potvrdiť|shrani|potrdi|lagre|bekreft)(?![\p{L}\p{N}_])/iu,
    settings: /(?<![\p{L}\p{N}_])(settings|preferences|customi[sz]e|manage|options|more options|personnaliser|paramètres|préférences|gérer|einstellungen|anpassen|verwalten|mehr optionen|configurar|preferencias|personalizar|gestionar|impostazioni|preferenze|personalizza|gestisci|instellingen|voorkeuren|aanpassen|beheren|definições|preferências|gerir|ustawienia|preferencje|dostosuj|inställningar|anpassa|hantera|indstillinger|tilpas|administrer|nastavení|přizpůsobit|настройки|postavke|prilagodi|seaded|kohanda|asetukset|mukauta|hallinnoi|ρυθμίσεις|προτιμήσεις|beállítások|testreszabás|socruithe|iestatījumi|pielāgot|nustatymai|tinkinti|setări|preferințe|personalizează|nastavenia|prispôsobiť|nastavitve|innstillinger|tilpass)(?![\p{L}\p{N}_])/iu,
    // Never clicked: paying, subscribing or logging in is not a consent choice.
    forbidden: /\b(pay|buy|subscribe|subscription|sign in|log ?in|register|abonn|abonnieren|abonnement|s'abonner|payer|bezahlen|kaufen|anmelden|einloggen|registrieren|suscrib|pagar|iniciar sesión|abbonati|abbonamento|paga|accedi|abonneren|betalen|inloggen|assinar|entrar|subskrybuj|zapłać|zaloguj|prenumerera|betala|logga in|abonnér|betal|log ind|€|\$|£)/i,
  };
  const COOKIE_TALK = /(cookie|consent|privacy|datenschutz|einwilligung|traceur|confidentialité|consentement|privacidad|consentimiento|riservatezza|consenso|toestemming|privacidade|consentimento|prywatność|zgod|samtyck|integritet|samtykke|privatliv|souhlas|súhlas|soukromí|súkromi|бисквитк|поверителност|kolačić|privatnost|küpsis|nõusolek|eväste|yksityisyy|συγκατάθεση|απόρρητο|süti|hozzájárul|adatvédel|fianán|toiliú|sīkdat|piekrišan|slapuk|sutikim|privatum|consimț|confidențialitate|piškot|soglasje|zasebnost|informasjonskaps|personvern)/i;

  // Clickable elements under a root, through open shadow roots at any depth.
  const CLICKABLE = "button, a, [role=button], input[type=button], input[type=submit], [onclick], [tabindex='0']";
  const clickables = (root) => allElements(root).filter((el) => el.matches(CLICKABLE) && isVisible(el));
  // A container's clickables, its shadow tree's first (a shadow host's light DOM holds its
  // slotted labels).
  const bannerClickables = (el) => clickables(el.shadowRoot || el).concat(el.shadowRoot ? clickables(el) : []);

  const classify = (el) => {
    const text = labelOf(el).toLowerCase();
    if (!text || text.length > 60) return null;
    if (WORDS.forbidden.test(text)) return "forbidden";
    if (WORDS.reject.test(text)) return "reject";
    if (WORDS.save.test(text) && !/(?<![\p{L}\p{N}_])(all|tout|alle|todo|todas|tutto|tutti|tudo|wszystkie|allt|alt|vše|všechny|всички|sve|kõik|kaikki|όλων|összes|visus|visas|kollox|tot|toate|všetko|všetky|vse)(?![\p{L}\p{N}_])/iu.test(text)) return "save";
    if (WORDS.settings.test(text) && !WORDS.accept.test(text)) return "settings";
    if (WORDS.accept.test(text)) return "accept";
    if (WORDS.acknowledge.test(text)) return "acknowledge";
    return null;
  };

  // Collect every element reachable through open shadow roots.
  const allElements = (root = document, out = []) => {
    for (const el of root.querySelectorAll("*")) {
      out.push(el);
      if (el.shadowRoot) allElements(el.shadowRoot, out);
    }
    return out;
  };

  // A container's text, its shadow tree's included (a shadow host's `innerText` is only its
  // light DOM's).
  const bannerText = (el) => {
    const parts = [el.innerText || ""];
    const walk = (root) => {
      for (const child of root.children) {
        parts.push(child.innerText || "");
        if (child.shadowRoot) walk(child.shadowRoot);
      }
    };
    if (el.shadowRoot) walk(el.shadowRoot);
    return parts.join(" ");
  };

  // The banner: the smallest fixed/sticky/dialog container whose text talks about cookies or
  // consent and that holds at least one classified button.
  // Overlays: visible fixed, sticky or dialog containers inside the viewport (a fixed banner
  // slid out of it is hidden, not shown).
  const overlays = () => allElements().filter((el) => {
    const style = getComputedStyle(el);
    const positioned = style.position === "fixed" || style.position === "sticky";
    const dialog = el.getAttribute("role") === "dialog" || el.getAttribute("aria-modal") === "true" || el.tagName === "DIALOG";
    if (!(positioned || dialog) || !isVisible(el)) return false;
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;
  });

  // The toggles a refusal must switch off: the banner's, and those of every other overlay that
  // talks about cookies (a settings panel drawn beside the banner rather than inside it).
  const consentToggles = (banner) => {
    const found = new Set(bannerToggles(banner));
    for (const el of overlays()) {
      if (el !== banner && COOKIE_TALK.test(bannerText(el).slice(0, 5000))) {
        for (const toggle of bannerToggles(el)) found.add(toggle);
      }
    }
    return Array.from(found);
  };

  // The page a link leads to, when it leads to another document over HTTP(S).
  const linkTarget = (el) => {
    if (el.tagName !== "A" || !el.getAttribute("href")) return null;
    let url;
    try { url = new URL(el.href, location.href); } catch (e) { return null; }
    if (!/^https?:$/.test(url.protocol) || url.href.split("#")[0] === location.href.split("#")[0]) return null;
    return url;
  };
  const leavesPage = (el) => linkTarget(el) !== null;

  const findBanner = () => {
    const candidates = overlays();
    let best = null;
    for (const el of candidates) {
      const text = bannerText(el).slice(0, 5000);
      if (!COOKIE_TALK.test(text)) continue;
      const buttons = bannerClickables(el);
      // A settings link to another page is followed in a tab of its own, never clicked.
      const kinds = buttons
        .map((b) => [b, classify(b)])
        .filter(([, k]) => k)
        .map(([b, k]) => [b, k === "settings" && leavesPage(b) ? "settings-link" : k]);
      // A consent banner offers an answer; a newsletter box with only "Subscribe" is not one.
      if (!kinds.some(([, k]) => k === "accept" || k === "reject" || k === "acknowledge" || k === "save")) continue;
      const size = el.getBoundingClientRect().width * el.getBoundingClientRect().height;
      if (!best || size < best.size) best = { el, kinds, size, text };
    }
    return best;
  };

  // Links of the banner to another document that may hold the refusal the banner does not
  // offer: cookie settings first, then the cookie or privacy policy, then "learn more".
  const LINK_WORDS = [
    WORDS.settings,
    /(?<![\p{L}\p{N}_])(polic(?:y|ies)|notice|statement|richtlinie|erklärung|hinweise|politique|charte|política|informativa|beleid|verklaring|polityka|zásady|käytäntö|irányelv|politika|politica|πολιτική|правила|politikk|declaration)(?![\p{L}\p{N}_])/iu,
    /(?<![\p{L}\p{N}_])(learn more|more info(?:rmation)?|read more|details|mehr erfahren|mehr informationen|en savoir plus|plus d'informations|más información|saber más|maggiori informazioni|scopri di più|meer informatie|lees meer|saiba mais|więcej informacji|dowiedz się więcej|läs mer|læs mere|les mer|více informací|viac informácií)(?![\p{L}\p{N}_])/iu,
  ];
  const bannerLinks = () => {
    const banner = findBanner();
    if (!banner) return [];
    const links = [];
    for (const el of bannerClickables(banner.el)) {
      const url = linkTarget(el);
      if (!url) continue;
      const label = labelOf(el).toLowerCase();
      if (!label || label.length > 60 || WORDS.forbidden.test(label)) continue;
      const rank = LINK_WORDS.findIndex((words) => words.test(label));
      if (rank >= 0) links.push({ rank, url: url.href, label: describe(el) });
    }
    links.sort((a, b) => a.rank - b.rank);
    return links.map(({ url, label }) => ({ url, label }));
  };

  // A consent form in the page itself (a cookie-settings or policy page), not in an overlay:
  // the container nearest the page's consent toggles that also holds a refusal or a save
  // button, or a section talking about cookies that holds a refusal.
  const pageForm = () => {
    const banner = findBanner();
    const outside = (el) => !banner || !composedContains(banner.el, el);
    const kindsIn = (el) => clickables(el).filter(outside).map((b) => [b, classify(b)]).filter(([, k]) => k);
    const answers = (kinds) => kinds.some(([, k]) => k === "reject" || k === "save");
    const toggles = allElements().filter((el) => el.matches(TOGGLES) && outside(el));
    for (const toggle of toggles) {
      for (let el = toggle.parentElement; el && el !== document.documentElement; el = el.parentElement) {
        const kinds = kindsIn(el);
        if (!answers(kinds)) continue;
        // A form that asks for text (a newsletter, a contact form) or to pay is no consent form.
        if (kinds.some(([, k]) => k === "forbidden") || el.querySelector(TEXT_FIELDS)) break;
        if (!COOKIE_TALK.test(bannerText(el).slice(0, 5000) + " " + document.title)) break;
        return { el, kinds };
      }
    }
    for (const [button, kind] of kindsIn(document.body)) {
      if (kind !== "reject") continue;
      const section = button.closest("form, section, article, main, [role=region]") || document.body;
      if (COOKIE_TALK.test(bannerText(section).slice(0, 5000) + " " + document.title)) {
        return { el: section, kinds: kindsIn(section) };
      }
    }
    return null;
  };
  const TEXT_FIELDS = "input[type=email], input[type=text], input[type=password], input[type=tel], textarea";
  const pageFormButton = (kind) => {
    const form = pageForm();
    const hit = form && form.kinds.find(([, k]) => k === kind);
    return hit ? hit[0] : null;
  };
  const pageFormToggles = (form) => bannerToggles(form.el);

  // The heuristic banner's first button of a kind, if any.
  const bannerButton = (kind) => {
    const banner = findBanner();
    const hit = banner && banner.kinds.find(([, k]) => k === kind);
    return hit ? hit[0] : null;
  };

  const commands = {
    detect(platforms) {
      const found = [];
      for (const p of platforms) {
        const how = [];
        for (const s of p.selectors) if (queryAll(s).length) how.push("element " + s);
        for (const g of p.globals) if (globalExists(g)) how.push("global " + g);
        const scripts = Array.from(document.scripts, (s) => s.src || "");
        for (const s of p.scripts) if (scripts.some((src) => src.includes(s))) how.push("script " + s);
        if (how.length) {
          const visible = p.visible.some((s) => queryAll(s).some(isVisible));
          found.push({ id: p.id, how, visible });
        }
      }
      return { url: location.href, found, tcf: typeof window.__tcfapi === "function" };
    },
    exists(selector) { return queryAll(selector).length > 0; },
    visible(selector) { return queryAll(selector).some(isVisible); },
    click(selector) { return pressed(queryAll(selector).find(isVisible)); },
    // Where a trusted click on the first visible match would land, once it is actionable.
    target(selector) { return probe(queryAll(selector).find(isVisible)); },
    // Switches off every enabled match that is on, hidden checkboxes through their labels;
    // reports what is still on, so no choice is saved with a category left on.
    switchOff(selector) { return switchOffAll(() => queryAll(selector)); },
    // The heuristic banner's toggles switched off (a settings layer), visible or not.
    heuristicSwitchOff() {
      const banner = findBanner();
      if (!banner) return { switched: 0, on: ["(the banner is gone)"] };
      return switchOffAll(() => consentToggles(banner.el));
    },
    heuristicToggles() {
      const banner = findBanner();
      return banner ? consentToggles(banner.el).length : 0;
    },
    heuristic() {
      const banner = findBanner();
      if (!banner) return { found: false };
      return {
        found: true,
        text: banner.text.replace(/\s+/g, " ").slice(0, 300),
        buttons: banner.kinds.map(([b, kind]) => ({ kind, label: describe(b) })),
      };
    },
    heuristicTarget(kind) { return probe(bannerButton(kind)); },
    heuristicClick(kind) { return pressed(bannerButton(kind)); },
    bannerGone() { return !findBanner(); },
    bannerLinks() { return bannerLinks(); },
    pageForm() {
      const form = pageForm();
      if (!form) return { found: false };
      return {
        found: true,
        buttons: form.kinds.map(([b, kind]) => ({ kind, label: describe(b) })),
        toggles: pageFormToggles(form).length,
      };
    },
    pageFormTarget(kind) { return probe(pageFormButton(kind)); },
    pageFormClick(kind) { return pressed(pageFormButton(kind)); },
    pageFormSwitchOff() {
      const form = pageForm();
      if (!form) return { switched: 0, on: ["(the form is gone)"] };
      return switchOffAll(() => pageFormToggles(form));
    },
    cookie(name) {
      for (const part of document.cookie.split(/;\s*/)) {
        const at = part.indexOf("=");
        if (at > 0 && part.slice(0, at) === name) {
          const raw = part.slice(at + 1);
          try { return decodeURIComponent(raw); } catch (e) { return raw; }
        }
      }
      return null;
    },
    storage(key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    // The IAB TCF state once the user acted: {status, purposes: [consented purpose ids]}.
    tcf() {
      return new Promise((resolve) => {
        if (typeof window.__tcfapi !== "function") return resolve(null);
        const timer = setTimeout(() => resolve({ status: "timeout", purposes: [] }), 2000);
        try {
          window.__tcfapi("addEventListener", 2, (data, ok) => {
            if (!ok || !data) return;
            if (data.eventStatus !== "useractioncomplete" && data.eventStatus !== "tcloaded") return;
            clearTimeout(timer);
            const consents = (data.purpose && data.purpose.consents) || {};
            try { window.__tcfapi("removeEventListener", 2, () => {}, data.listenerId); } catch (e) {}
            resolve({ status: data.eventStatus, purposes: Object.keys(consents).filter((k) => consents[k]).map(Number) });
          });
        } catch (e) { clearTimeout(timer); resolve(null); }
      });
    },
    evaluate(expression) {
      try { return Boolean((0, eval)(expression)); } catch (e) { return false; }
    },
    run(expression) {
      try { (0, eval)(expression); return true; } catch (e) { return false; }
    },
  };

  Object.defineProperty(window, "__cookiescanConsent", {
    value: (command, arg) => commands[command](arg),
    configurable: false,
    enumerable: false,
  });
})();
