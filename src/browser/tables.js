// Every table of the document with the heading-like texts before it, nearest first: the
// section a cookie table belongs to is often a plain paragraph styled as a header (consent
// platforms' declarations), not an <h2>.
(() => {
  const headingLike =
    'h1,h2,h3,h4,h5,h6,summary,legend,[class*="eader"],[class*="itle"],[role="heading"]';
  const heads = Array.from(document.querySelectorAll(headingLike));
  const text = (el) => (el.innerText || el.textContent || '').replace(/\s+\n/g, '\n').trim();
  return Array.from(document.querySelectorAll('table')).map((table) => {
    const before = heads.filter(
      (h) => !h.contains(table) && !table.contains(h) &&
        (h.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING),
    );
    const headings = before.slice(-6).reverse().map(text).filter(Boolean);
    if (table.caption) headings.unshift(text(table.caption));
    const rows = Array.from(table.rows).map((row) => Array.from(row.cells).map(text));
    return { headings, rows };
  });
})()
