import { useEffect } from "react";

// Keeps <html lang> on the page's current language, so screen readers pronounce
// the page (and browsers hyphenate and translate it) right.
export function DocumentLanguage({ lang }) {
  useEffect(() => {
    if (lang) document.documentElement.lang = lang;
  }, [lang]);
  return null;
}
