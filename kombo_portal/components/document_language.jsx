import { useEffect } from "react";

// Keeps <html lang> on the page's current language, so screen readers pronounce
// the page (and browsers hyphenate and translate it) right; and the tab's title
// in that language too (the build-time <title> is the first one, in English).
export function DocumentLanguage({ lang, title }) {
  useEffect(() => {
    if (lang) document.documentElement.lang = lang;
  }, [lang]);
  useEffect(() => {
    if (title) document.title = title;
  }, [title]);
  return null;
}
