//! The HTML5 named entities, as XML-legal replacement text: quick-xml's table, overridden by the
//! WHATWG entries it lacks (two-code-point ones) or gets wrong (quick-xml 0.38 truncates
//! five-digit code points, e.g. `&Abreve;` → U+0010), and the WHATWG legacy names that are
//! decoded even without `;`.

use crate::util::escape::is_xml_char;

/// The five entities XML predefines (`amp`, `lt`, `gt`, `quot`, `apos`).
pub fn xml_predefined(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "quot" => Some("\""),
        "apos" => Some("'"),
        _ => None,
    }
}

/// HTML5 named entity (without `&`/`;`): the typography of news text first (a search of
/// the full tables costs some 500 instructions), then [`HTML5_EXTRA`] and quick-xml's
/// table; values that would be illegal in XML are refused.
pub fn html5_entity(name: &str) -> Option<&'static str> {
    common_entity(name).or_else(|| {
        let v = match HTML5_EXTRA.binary_search_by(|(k, _)| (*k).cmp(name)) {
            Ok(i) => HTML5_EXTRA.get(i).map(|(_, v)| *v),
            Err(_) => quick_xml::escape::resolve_html5_entity(name),
        }?;
        v.chars().all(|c| is_xml_char(u32::from(c))).then_some(v)
    })
}

/// The named entities news text uses most.
fn common_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" => "\u{a0}",
        "laquo" => "«",
        "raquo" => "»",
        "ldquo" => "“",
        "rdquo" => "”",
        "lsquo" => "‘",
        "rsquo" => "’",
        "mdash" => "—",
        "ndash" => "–",
        "hellip" => "…",
        _ => return None,
    })
}

/// WHATWG names decoded even without a trailing `;` (sorted).
pub const LEGACY: [&str; 106] = [
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil", "ETH", "Eacute", "Ecirc",
    "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT", "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash",
    "Otilde", "Ouml", "QUOT", "REG", "THORN", "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc",
    "acute", "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy",
    "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro", "middot", "nbsp", "not",
    "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound",
    "quot", "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
    "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
];

/// WHATWG entities that quick-xml's table lacks (two-code-point ones) or gets wrong (it
/// truncates five-digit code points: `&Abreve;` → U+0010, `&Alpha;` → `9`); sorted.
#[rustfmt::skip]
const HTML5_EXTRA: &[(&str, &str)] = &[
    ("Abreve", "\u{102}"), ("Acy", "\u{410}"), ("Afr", "\u{1D504}"), ("Alpha", "\u{391}"),
    ("Amacr", "\u{100}"), ("Aogon", "\u{104}"), ("Aopf", "\u{1D538}"), ("Ascr", "\u{1D49C}"),
    ("Bcy", "\u{411}"), ("Beta", "\u{392}"), ("Bfr", "\u{1D505}"), ("Bopf", "\u{1D539}"),
    ("Breve", "\u{2D8}"), ("CHcy", "\u{427}"), ("Cacute", "\u{106}"), ("Ccaron", "\u{10C}"),
    ("Ccirc", "\u{108}"), ("Cdot", "\u{10A}"), ("Chi", "\u{3A7}"), ("Cscr", "\u{1D49E}"),
    ("DJcy", "\u{402}"), ("DScy", "\u{405}"), ("DZcy", "\u{40F}"), ("Dcaron", "\u{10E}"),
    ("Dcy", "\u{414}"), ("Delta", "\u{394}"), ("Dfr", "\u{1D507}"), ("DiacriticalDot", "\u{2D9}"),
    ("DiacriticalDoubleAcute", "\u{2DD}"), ("DiacriticalTilde", "\u{2DC}"), ("Dopf", "\u{1D53B}"),
    ("DownBreve", "\u{311}"), ("Dscr", "\u{1D49F}"), ("Dstrok", "\u{110}"), ("ENG", "\u{14A}"),
    ("Ecaron", "\u{11A}"), ("Ecy", "\u{42D}"), ("Edot", "\u{116}"), ("Efr", "\u{1D508}"),
    ("Emacr", "\u{112}"), ("Eogon", "\u{118}"), ("Eopf", "\u{1D53C}"), ("Epsilon", "\u{395}"),
    ("Eta", "\u{397}"), ("Fcy", "\u{424}"), ("Ffr", "\u{1D509}"), ("Fopf", "\u{1D53D}"),
    ("GJcy", "\u{403}"), ("Gamma", "\u{393}"), ("Gammad", "\u{3DC}"), ("Gbreve", "\u{11E}"),
    ("Gcedil", "\u{122}"), ("Gcirc", "\u{11C}"), ("Gcy", "\u{413}"), ("Gdot", "\u{120}"),
    ("Gfr", "\u{1D50A}"), ("Gopf", "\u{1D53E}"), ("Gscr", "\u{1D4A2}"), ("HARDcy", "\u{42A}"),
    ("Hacek", "\u{2C7}"), ("Hcirc", "\u{124}"), ("Hstrok", "\u{126}"), ("IEcy", "\u{415}"),
    ("IJlig", "\u{132}"), ("IOcy", "\u{401}"), ("Icy", "\u{418}"), ("Idot", "\u{130}"),
    ("Imacr", "\u{12A}"), ("Iogon", "\u{12E}"), ("Iopf", "\u{1D540}"), ("Iota", "\u{399}"),
    ("Itilde", "\u{128}"), ("Iukcy", "\u{406}"), ("Jcirc", "\u{134}"), ("Jcy", "\u{419}"),
    ("Jfr", "\u{1D50D}"), ("Jopf", "\u{1D541}"), ("Jscr", "\u{1D4A5}"), ("Jsercy", "\u{408}"),
    ("Jukcy", "\u{404}"), ("KHcy", "\u{425}"), ("KJcy", "\u{40C}"), ("Kappa", "\u{39A}"),
    ("Kcedil", "\u{136}"), ("Kcy", "\u{41A}"), ("Kfr", "\u{1D50E}"), ("Kopf", "\u{1D542}"),
    ("Kscr", "\u{1D4A6}"), ("LJcy", "\u{409}"), ("Lacute", "\u{139}"), ("Lambda", "\u{39B}"),
    ("Lcaron", "\u{13D}"), ("Lcedil", "\u{13B}"), ("Lcy", "\u{41B}"), ("Lfr", "\u{1D50F}"),
    ("Lmidot", "\u{13F}"), ("Lopf", "\u{1D543}"), ("Lstrok", "\u{141}"), ("Mcy", "\u{41C}"),
    ("Mfr", "\u{1D510}"), ("Mopf", "\u{1D544}"), ("Mu", "\u{39C}"), ("NJcy", "\u{40A}"),
    ("Nacute", "\u{143}"), ("Ncaron", "\u{147}"), ("Ncedil", "\u{145}"), ("Ncy", "\u{41D}"),
    ("Nfr", "\u{1D511}"), ("NotEqualTilde", "\u{2242}\u{338}"),
    ("NotGreaterFullEqual", "\u{2267}\u{338}"), ("NotGreaterGreater", "\u{226B}\u{338}"),
    ("NotGreaterSlantEqual", "\u{2A7E}\u{338}"), ("NotHumpDownHump", "\u{224E}\u{338}"),
    ("NotHumpEqual", "\u{224F}\u{338}"), ("NotLeftTriangleBar", "\u{29CF}\u{338}"),
    ("NotLessLess", "\u{226A}\u{338}"), ("NotLessSlantEqual", "\u{2A7D}\u{338}"),
    ("NotNestedGreaterGreater", "\u{2AA2}\u{338}"), ("NotNestedLessLess", "\u{2AA1}\u{338}"),
    ("NotPrecedesEqual", "\u{2AAF}\u{338}"), ("NotRightTriangleBar", "\u{29D0}\u{338}"),
    ("NotSquareSubset", "\u{228F}\u{338}"), ("NotSquareSuperset", "\u{2290}\u{338}"),
    ("NotSubset", "\u{2282}\u{20D2}"), ("NotSucceedsEqual", "\u{2AB0}\u{338}"),
    ("NotSucceedsTilde", "\u{227F}\u{338}"), ("NotSuperset", "\u{2283}\u{20D2}"),
    ("Nscr", "\u{1D4A9}"), ("Nu", "\u{39D}"), ("OElig", "\u{152}"), ("Ocy", "\u{41E}"),
    ("Odblac", "\u{150}"), ("Ofr", "\u{1D512}"), ("Omacr", "\u{14C}"), ("Omega", "\u{3A9}"),
    ("Omicron", "\u{39F}"), ("Oopf", "\u{1D546}"), ("Oscr", "\u{1D4AA}"), ("OverBar", "\u{203E}"),
    ("Pcy", "\u{41F}"), ("Pfr", "\u{1D513}"), ("Phi", "\u{3A6}"), ("Pi", "\u{3A0}"),
    ("Pscr", "\u{1D4AB}"), ("Psi", "\u{3A8}"), ("Qfr", "\u{1D514}"), ("Qscr", "\u{1D4AC}"),
    ("Racute", "\u{154}"), ("Rcaron", "\u{158}"), ("Rcedil", "\u{156}"), ("Rcy", "\u{420}"),
    ("Rho", "\u{3A1}"), ("SHCHcy", "\u{429}"), ("SHcy", "\u{428}"), ("SOFTcy", "\u{42C}"),
    ("Sacute", "\u{15A}"), ("Scaron", "\u{160}"), ("Scedil", "\u{15E}"), ("Scirc", "\u{15C}"),
    ("Scy", "\u{421}"), ("Sfr", "\u{1D516}"), ("Sigma", "\u{3A3}"), ("Sopf", "\u{1D54A}"),
    ("Sscr", "\u{1D4AE}"), ("TSHcy", "\u{40B}"), ("TScy", "\u{426}"), ("Tau", "\u{3A4}"),
    ("Tcaron", "\u{164}"), ("Tcedil", "\u{162}"), ("Tcy", "\u{422}"), ("Tfr", "\u{1D517}"),
    ("Theta", "\u{398}"), ("ThickSpace", "\u{205F}\u{200A}"), ("Topf", "\u{1D54B}"),
    ("Tscr", "\u{1D4AF}"), ("Tstrok", "\u{166}"), ("Ubrcy", "\u{40E}"), ("Ubreve", "\u{16C}"),
    ("Ucy", "\u{423}"), ("Udblac", "\u{170}"), ("Ufr", "\u{1D518}"), ("Umacr", "\u{16A}"),
    ("UnderBar", "_"), ("Uogon", "\u{172}"), ("Uopf", "\u{1D54C}"), ("Upsi", "\u{3D2}"),
    ("Upsilon", "\u{3A5}"), ("Uring", "\u{16E}"), ("Uscr", "\u{1D4B0}"), ("Utilde", "\u{168}"),
    ("Vcy", "\u{412}"), ("Vfr", "\u{1D519}"), ("Vopf", "\u{1D54D}"), ("Vscr", "\u{1D4B1}"),
    ("Wcirc", "\u{174}"), ("Wfr", "\u{1D51A}"), ("Wopf", "\u{1D54E}"), ("Wscr", "\u{1D4B2}"),
    ("Xfr", "\u{1D51B}"), ("Xi", "\u{39E}"), ("Xopf", "\u{1D54F}"), ("Xscr", "\u{1D4B3}"),
    ("YAcy", "\u{42F}"), ("YIcy", "\u{407}"), ("YUcy", "\u{42E}"), ("Ycirc", "\u{176}"),
    ("Ycy", "\u{42B}"), ("Yfr", "\u{1D51C}"), ("Yopf", "\u{1D550}"), ("Yscr", "\u{1D4B4}"),
    ("Yuml", "\u{178}"), ("ZHcy", "\u{416}"), ("Zacute", "\u{179}"), ("Zcaron", "\u{17D}"),
    ("Zcy", "\u{417}"), ("Zdot", "\u{17B}"), ("Zeta", "\u{396}"), ("Zscr", "\u{1D4B5}"),
    ("abreve", "\u{103}"), ("acE", "\u{223E}\u{333}"), ("acy", "\u{430}"), ("afr", "\u{1D51E}"),
    ("alpha", "\u{3B1}"), ("amacr", "\u{101}"), ("angst", "\u{C5}"), ("aogon", "\u{105}"),
    ("aopf", "\u{1D552}"), ("ascr", "\u{1D4B6}"), ("backepsilon", "\u{3F6}"), ("bcy", "\u{431}"),
    ("bepsi", "\u{3F6}"), ("beta", "\u{3B2}"), ("bfr", "\u{1D51F}"), ("bne", "=\u{20E5}"),
    ("bnequiv", "\u{2261}\u{20E5}"), ("bopf", "\u{1D553}"), ("breve", "\u{2D8}"),
    ("bscr", "\u{1D4B7}"), ("bsolhsub", "\u{27C8}"), ("cacute", "\u{107}"),
    ("caps", "\u{2229}\u{FE00}"), ("caron", "\u{2C7}"), ("ccaron", "\u{10D}"),
    ("ccirc", "\u{109}"), ("cdot", "\u{10B}"), ("cfr", "\u{1D520}"), ("chcy", "\u{447}"),
    ("chi", "\u{3C7}"), ("circ", "\u{2C6}"), ("copf", "\u{1D554}"), ("cscr", "\u{1D4B8}"),
    ("cups", "\u{222A}\u{FE00}"), ("dblac", "\u{2DD}"), ("dcaron", "\u{10F}"), ("dcy", "\u{434}"),
    ("delta", "\u{3B4}"), ("dfr", "\u{1D521}"), ("digamma", "\u{3DD}"), ("djcy", "\u{452}"),
    ("dopf", "\u{1D555}"), ("dot", "\u{2D9}"), ("dscr", "\u{1D4B9}"), ("dscy", "\u{455}"),
    ("dstrok", "\u{111}"), ("dzcy", "\u{45F}"), ("ecaron", "\u{11B}"), ("ecy", "\u{44D}"),
    ("edot", "\u{117}"), ("efr", "\u{1D522}"), ("emacr", "\u{113}"), ("eng", "\u{14B}"),
    ("eogon", "\u{119}"), ("eopf", "\u{1D556}"), ("epsi", "\u{3B5}"), ("epsilon", "\u{3B5}"),
    ("epsiv", "\u{3F5}"), ("eta", "\u{3B7}"), ("fcy", "\u{444}"), ("ffr", "\u{1D523}"),
    ("fjlig", "fj"), ("fnof", "\u{192}"), ("fopf", "\u{1D557}"), ("fscr", "\u{1D4BB}"),
    ("gacute", "\u{1F5}"), ("gamma", "\u{3B3}"), ("gammad", "\u{3DD}"), ("gbreve", "\u{11F}"),
    ("gcirc", "\u{11D}"), ("gcy", "\u{433}"), ("gdot", "\u{121}"), ("gesl", "\u{22DB}\u{FE00}"),
    ("gfr", "\u{1D524}"), ("gjcy", "\u{453}"), ("gopf", "\u{1D558}"),
    ("gvertneqq", "\u{2269}\u{FE00}"), ("gvnE", "\u{2269}\u{FE00}"), ("hardcy", "\u{44A}"),
    ("hcirc", "\u{125}"), ("hfr", "\u{1D525}"), ("hopf", "\u{1D559}"), ("hscr", "\u{1D4BD}"),
    ("hstrok", "\u{127}"), ("icy", "\u{438}"), ("iecy", "\u{435}"), ("ifr", "\u{1D526}"),
    ("ijlig", "\u{133}"), ("imacr", "\u{12B}"), ("imath", "\u{131}"), ("imped", "\u{1B5}"),
    ("inodot", "\u{131}"), ("iocy", "\u{451}"), ("iogon", "\u{12F}"), ("iopf", "\u{1D55A}"),
    ("iota", "\u{3B9}"), ("iscr", "\u{1D4BE}"), ("itilde", "\u{129}"), ("iukcy", "\u{456}"),
    ("jcirc", "\u{135}"), ("jcy", "\u{439}"), ("jfr", "\u{1D527}"), ("jmath", "\u{237}"),
    ("jopf", "\u{1D55B}"), ("jscr", "\u{1D4BF}"), ("jsercy", "\u{458}"), ("jukcy", "\u{454}"),
    ("kappa", "\u{3BA}"), ("kappav", "\u{3F0}"), ("kcedil", "\u{137}"), ("kcy", "\u{43A}"),
    ("kfr", "\u{1D528}"), ("kgreen", "\u{138}"), ("khcy", "\u{445}"), ("kjcy", "\u{45C}"),
    ("kopf", "\u{1D55C}"), ("kscr", "\u{1D4C0}"), ("lacute", "\u{13A}"), ("lambda", "\u{3BB}"),
    ("lates", "\u{2AAD}\u{FE00}"), ("lcaron", "\u{13E}"), ("lcedil", "\u{13C}"),
    ("lcy", "\u{43B}"), ("lesg", "\u{22DA}\u{FE00}"), ("lfr", "\u{1D529}"), ("ljcy", "\u{459}"),
    ("lmidot", "\u{140}"), ("lopf", "\u{1D55D}"), ("lscr", "\u{1D4C1}"), ("lstrok", "\u{142}"),
    ("lvertneqq", "\u{2268}\u{FE00}"), ("lvnE", "\u{2268}\u{FE00}"), ("mcy", "\u{43C}"),
    ("mfr", "\u{1D52A}"), ("mopf", "\u{1D55E}"), ("mscr", "\u{1D4C2}"), ("mu", "\u{3BC}"),
    ("nGg", "\u{22D9}\u{338}"), ("nGt", "\u{226B}\u{20D2}"), ("nGtv", "\u{226B}\u{338}"),
    ("nLl", "\u{22D8}\u{338}"), ("nLt", "\u{226A}\u{20D2}"), ("nLtv", "\u{226A}\u{338}"),
    ("nacute", "\u{144}"), ("nang", "\u{2220}\u{20D2}"), ("napE", "\u{2A70}\u{338}"),
    ("napid", "\u{224B}\u{338}"), ("napos", "\u{149}"), ("nbump", "\u{224E}\u{338}"),
    ("nbumpe", "\u{224F}\u{338}"), ("ncaron", "\u{148}"), ("ncedil", "\u{146}"),
    ("ncongdot", "\u{2A6D}\u{338}"), ("ncy", "\u{43D}"), ("nedot", "\u{2250}\u{338}"),
    ("nesim", "\u{2242}\u{338}"), ("nfr", "\u{1D52B}"), ("ngE", "\u{2267}\u{338}"),
    ("ngeqq", "\u{2267}\u{338}"), ("ngeqslant", "\u{2A7E}\u{338}"), ("nges", "\u{2A7E}\u{338}"),
    ("njcy", "\u{45A}"), ("nlE", "\u{2266}\u{338}"), ("nleqq", "\u{2266}\u{338}"),
    ("nleqslant", "\u{2A7D}\u{338}"), ("nles", "\u{2A7D}\u{338}"), ("nopf", "\u{1D55F}"),
    ("notinE", "\u{22F9}\u{338}"), ("notindot", "\u{22F5}\u{338}"), ("nparsl", "\u{2AFD}\u{20E5}"),
    ("npart", "\u{2202}\u{338}"), ("npre", "\u{2AAF}\u{338}"), ("npreceq", "\u{2AAF}\u{338}"),
    ("nrarrc", "\u{2933}\u{338}"), ("nrarrw", "\u{219D}\u{338}"), ("nsce", "\u{2AB0}\u{338}"),
    ("nscr", "\u{1D4C3}"), ("nsubE", "\u{2AC5}\u{338}"), ("nsubset", "\u{2282}\u{20D2}"),
    ("nsubseteqq", "\u{2AC5}\u{338}"), ("nsucceq", "\u{2AB0}\u{338}"),
    ("nsupE", "\u{2AC6}\u{338}"), ("nsupset", "\u{2283}\u{20D2}"),
    ("nsupseteqq", "\u{2AC6}\u{338}"), ("nu", "\u{3BD}"), ("nvap", "\u{224D}\u{20D2}"),
    ("nvge", "\u{2265}\u{20D2}"), ("nvgt", ">\u{20D2}"), ("nvle", "\u{2264}\u{20D2}"),
    ("nvlt", "<\u{20D2}"), ("nvltrie", "\u{22B4}\u{20D2}"), ("nvrtrie", "\u{22B5}\u{20D2}"),
    ("nvsim", "\u{223C}\u{20D2}"), ("ocy", "\u{43E}"), ("odblac", "\u{151}"), ("oelig", "\u{153}"),
    ("ofr", "\u{1D52C}"), ("ogon", "\u{2DB}"), ("ohm", "\u{3A9}"), ("omacr", "\u{14D}"),
    ("omega", "\u{3C9}"), ("omicron", "\u{3BF}"), ("oopf", "\u{1D560}"), ("pcy", "\u{43F}"),
    ("pfr", "\u{1D52D}"), ("phi", "\u{3C6}"), ("phiv", "\u{3D5}"), ("pi", "\u{3C0}"),
    ("piv", "\u{3D6}"), ("popf", "\u{1D561}"), ("pscr", "\u{1D4C5}"), ("psi", "\u{3C8}"),
    ("qfr", "\u{1D52E}"), ("qopf", "\u{1D562}"), ("qscr", "\u{1D4C6}"),
    ("race", "\u{223D}\u{331}"), ("racute", "\u{155}"), ("rcaron", "\u{159}"),
    ("rcedil", "\u{157}"), ("rcy", "\u{440}"), ("rfr", "\u{1D52F}"), ("rho", "\u{3C1}"),
    ("rhov", "\u{3F1}"), ("ring", "\u{2DA}"), ("ropf", "\u{1D563}"), ("rscr", "\u{1D4C7}"),
    ("sacute", "\u{15B}"), ("scaron", "\u{161}"), ("scedil", "\u{15F}"), ("scirc", "\u{15D}"),
    ("scy", "\u{441}"), ("sfr", "\u{1D530}"), ("shchcy", "\u{449}"), ("shcy", "\u{448}"),
    ("sigma", "\u{3C3}"), ("sigmaf", "\u{3C2}"), ("sigmav", "\u{3C2}"),
    ("smtes", "\u{2AAC}\u{FE00}"), ("softcy", "\u{44C}"), ("sopf", "\u{1D564}"),
    ("sqcaps", "\u{2293}\u{FE00}"), ("sqcups", "\u{2294}\u{FE00}"), ("sscr", "\u{1D4C8}"),
    ("straightepsilon", "\u{3F5}"), ("straightphi", "\u{3D5}"), ("suphsol", "\u{27C9}"),
    ("tau", "\u{3C4}"), ("tcaron", "\u{165}"), ("tcedil", "\u{163}"), ("tcy", "\u{442}"),
    ("tfr", "\u{1D531}"), ("theta", "\u{3B8}"), ("thetasym", "\u{3D1}"), ("thetav", "\u{3D1}"),
    ("tilde", "\u{2DC}"), ("topf", "\u{1D565}"), ("tscr", "\u{1D4C9}"), ("tscy", "\u{446}"),
    ("tshcy", "\u{45B}"), ("tstrok", "\u{167}"), ("ubrcy", "\u{45E}"), ("ubreve", "\u{16D}"),
    ("ucy", "\u{443}"), ("udblac", "\u{171}"), ("ufr", "\u{1D532}"), ("umacr", "\u{16B}"),
    ("uogon", "\u{173}"), ("uopf", "\u{1D566}"), ("upsi", "\u{3C5}"), ("upsih", "\u{3D2}"),
    ("upsilon", "\u{3C5}"), ("uring", "\u{16F}"), ("uscr", "\u{1D4CA}"), ("utilde", "\u{169}"),
    ("varepsilon", "\u{3F5}"), ("varkappa", "\u{3F0}"), ("varphi", "\u{3D5}"),
    ("varpi", "\u{3D6}"), ("varrho", "\u{3F1}"), ("varsigma", "\u{3C2}"),
    ("varsubsetneq", "\u{228A}\u{FE00}"), ("varsubsetneqq", "\u{2ACB}\u{FE00}"),
    ("varsupsetneq", "\u{228B}\u{FE00}"), ("varsupsetneqq", "\u{2ACC}\u{FE00}"),
    ("vartheta", "\u{3D1}"), ("vcy", "\u{432}"), ("vfr", "\u{1D533}"),
    ("vnsub", "\u{2282}\u{20D2}"), ("vnsup", "\u{2283}\u{20D2}"), ("vopf", "\u{1D567}"),
    ("vscr", "\u{1D4CB}"), ("vsubnE", "\u{2ACB}\u{FE00}"), ("vsubne", "\u{228A}\u{FE00}"),
    ("vsupnE", "\u{2ACC}\u{FE00}"), ("vsupne", "\u{228B}\u{FE00}"), ("wcirc", "\u{175}"),
    ("wfr", "\u{1D534}"), ("wopf", "\u{1D568}"), ("wscr", "\u{1D4CC}"), ("xfr", "\u{1D535}"),
    ("xi", "\u{3BE}"), ("xopf", "\u{1D569}"), ("xscr", "\u{1D4CD}"), ("yacy", "\u{44F}"),
    ("ycirc", "\u{177}"), ("ycy", "\u{44B}"), ("yfr", "\u{1D536}"), ("yicy", "\u{457}"),
    ("yopf", "\u{1D56A}"), ("yscr", "\u{1D4CE}"), ("yucy", "\u{44E}"), ("zacute", "\u{17A}"),
    ("zcaron", "\u{17E}"), ("zcy", "\u{437}"), ("zdot", "\u{17C}"), ("zeta", "\u{3B6}"),
    ("zfr", "\u{1D537}"), ("zhcy", "\u{436}"), ("zopf", "\u{1D56B}"), ("zscr", "\u{1D4CF}"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted() {
        assert!(LEGACY.windows(2).all(|w| w[0] < w[1]));
        assert!(HTML5_EXTRA.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LEGACY.iter().all(|n| html5_entity(n).is_some()));
    }

    #[test]
    fn common_entities_are_the_full_tables_values() {
        for name in [
            "nbsp", "laquo", "raquo", "ldquo", "rdquo", "lsquo", "rsquo", "mdash", "ndash", "hellip",
        ] {
            let full = quick_xml::escape::resolve_html5_entity(name);
            assert!(full.is_some(), "{name}");
            assert_eq!(common_entity(name), full, "{name}");
        }
    }
}
