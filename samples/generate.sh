#!/usr/bin/env bash
# shellcheck disable=SC2153  # builders take parameters as prefixes: KIND=auth FONT=... release_form f
# samples/generate.sh - regenerate Chartroom's sample scans, roster and ground truth.
#
#   bash samples/generate.sh            (from anywhere; writes into the samples/ folder)
#
# Needs: ImageMagick 6 `convert`, `zint`, python3 (stdlib, for the hand-built bad files),
# fonts DejaVu (print), DkgHandwriting / Breip / Humor Sans (handwriting).
# Deterministic: all randomness comes from the seeded LCG below or from `-seed`, metadata is
# stripped, so re-running gives byte-identical files. See README.md for what each file is.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-samples.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

for tool in convert zint python3; do
    command -v "$tool" >/dev/null || { echo "generate.sh: $tool not found" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------
# Fonts, page geometry, inks
# ---------------------------------------------------------------------------------------------
FD=/usr/share/fonts/truetype
SANS=$FD/dejavu/DejaVuSans.ttf
SANS_B=$FD/dejavu/DejaVuSans-Bold.ttf
SERIF=$FD/dejavu/DejaVuSerif.ttf
SERIF_B=$FD/dejavu/DejaVuSerif-Bold.ttf
HW_DKG=$FD/fifthhorseman/dkg.ttf
HW_DKG_IT=$FD/fifthhorseman/dkgIt.ttf
HW_DKG_BD=$FD/fifthhorseman/dkgBd.ttf
HW_BREIP=$FD/breip/Breip.ttf
HW_HUMOR=$FD/humor-sans/Humor-Sans.ttf
for f in "$SANS" "$SANS_B" "$SERIF" "$SERIF_B" "$HW_DKG" "$HW_DKG_IT" "$HW_DKG_BD" \
         "$HW_BREIP" "$HW_HUMOR"; do
    [[ -f $f ]] || { echo "generate.sh: missing font $f" >&2; exit 1; }
done

# Where each handwriting font's baseline sits below the top of its label: image, in tenths of a
# pixel per point at 300 dpi (measured with `convert -density 300 -font F -pointsize 15 label:xAx -trim`).
declare -A HW_BASE=( ["$HW_DKG"]=67 ["$HW_DKG_IT"]=67 ["$HW_DKG_BD"]=67 ["$HW_BREIP"]=37 ["$HW_HUMOR"]=39 )

W=2550 H=3300            # US letter at 300 dpi; every page is drawn at 300 dpi
ML=225 MR=2325           # 0.75 inch margins
INK_PRINT='#000000'      # laser print
INK='#16162c'            # ballpoint, grey pages
HOSPITAL='RIVERBEND COMMUNITY HOSPITAL'
HOSPITAL_ADDR='1200 River Road, Millbrook, OH 45000  -  Health Information Management'

# ---------------------------------------------------------------------------------------------
# Deterministic random numbers (31-bit LCG; independent of bash's $RANDOM implementation)
# ---------------------------------------------------------------------------------------------
RNG=1
srand() { RNG=$1; }
rnd() {   # rnd LO HI -> R, an integer in [LO, HI]
    RNG=$(( (RNG * 1103515245 + 12345) & 2147483647 ))
    R=$(( $1 + (RNG >> 8) % ($2 - $1 + 1) ))
}
dec() {   # dec N -> D, the string N/10 with one decimal ("-1.5")
    local n=$1 s=''
    (( n < 0 )) && { s='-'; n=$(( -n )); }
    D="$s$(( n / 10 )).$(( n % 10 ))"
}

# ---------------------------------------------------------------------------------------------
# The roster. Look-alikes are deliberate - see README.md.
# ---------------------------------------------------------------------------------------------
ROSTER_HEADER='mrn,family_name,given_name,middle_name,birth_date,sex,physician'
ROSTER=$(cat <<'EOF'
00482913,O'Donnell,Margaret,Anne,1952-03-14,F,Dr. Eleanor Whitaker
00482973,Kowalski,Peter,James,1949-06-02,M,Dr. Rajesh Patel
45500212,O'Donnell,Patrick,Joseph,1950-10-30,M,Dr. Eleanor Whitaker
10234567,Smith,John,Robert,1961-07-22,M,Dr. Miriam Chen
10298841,Smith,John,,1978-11-05,M,Dr. Samuel Okafor
61502298,Smyth,Jon,Paul,1961-07-27,M,Dr. Samuel Okafor
30917452,Nguyen,Linh,Thi,2004-09-30,F,Dr. Laura Bennett
30917453,Nguyen,Minh,Van,2004-09-30,M,Dr. Laura Bennett
30917104,Nguyen,Daniel,Quoc,1971-12-08,M,Dr. Laura Bennett
02251977,Garcia-Lopez,Maria,Isabel,1985-01-09,F,Dr. Miriam Chen
64420187,Garcia,Maria,Elena,1985-09-01,F,Dr. Rajesh Patel
00071346,Brennan,Harold,Francis,1939-04-02,M,Dr. Eleanor Whitaker
00913385,Thompson,Dorothy,Mae,1944-08-17,F,Dr. Rajesh Patel
58120934,Haddad,Samir,,1967-05-21,M,Dr. Samuel Okafor
07730419,Ivanova,Elena,Sergeyevna,1990-02-28,F,Dr. Laura Bennett
21094456,Fitzgerald,Eileen,Margaret,1958-12-01,F,Dr. Eleanor Whitaker
90877301,Underwood,Grace,Ellen,1952-03-14,F,Dr. Eleanor Whitaker
33018265,Abernathy,Ruth,Ellen,1936-01-15,F,Dr. Eleanor Whitaker
40288731,Baptiste,Jean,Claude,1972-04-11,M,Dr. Samuel Okafor
51177420,Castellanos,Rosa,,1969-10-03,F,Dr. Miriam Chen
00356128,Delacroix,Henri,Paul,1945-07-30,M,Dr. Rajesh Patel
72651093,Eriksen,Ingrid,,1981-03-22,F,Dr. Laura Bennett
18834572,Goldberg,Miriam,Ruth,1955-11-11,F,Dr. Miriam Chen
26649018,Jablonski,Tadeusz,,1942-02-14,M,Dr. Rajesh Patel
39980154,Kim,Soo-jin,,1993-06-06,F,Dr. Laura Bennett
47716630,Lindqvist,Erik,Anders,1976-09-19,M,Dr. Samuel Okafor
55092317,MacLeod,Fiona,Jane,1964-12-24,F,Dr. Eleanor Whitaker
60014482,Moreau,Claire,,1988-08-08,F,Dr. Miriam Chen
66731209,Novak,Pavel,,1959-05-05,M,Dr. Rajesh Patel
70428815,Oyelaran,Adebayo,Tunde,1983-01-31,M,Dr. Samuel Okafor
04519967,Petrov,Anastasia,,1997-10-10,F,Dr. Laura Bennett
77305581,Quintero,Luis,Alberto,1950-06-18,M,Dr. Miriam Chen
81290046,Rasmussen,Karen,Lee,1962-03-03,F,Dr. Eleanor Whitaker
86612738,Sato,Hiroshi,,1948-11-27,M,Dr. Rajesh Patel
93150624,Vasquez,Carmen,Lucia,1975-02-19,F,Dr. Samuel Okafor
95523810,Weiss,Benjamin,Aaron,2001-05-15,M,Dr. Laura Bennett
97784002,Zimmerman,Paul,,1953-09-09,M,Dr. Miriam Chen
00628451,Yilmaz,Ayse,,1980-04-04,F,Dr. Rajesh Patel
13347790,Xu,Wei,,1986-07-07,M,Dr. Samuel Okafor
00201458,Becker,Hans,Dieter,1947-01-20,M,Dr. Eleanor Whitaker
EOF
)

# roster-bad.csv: good rows with four bad ones mixed in (line numbers count the header as 1):
#   line 3 missing mrn, line 5 birth date 1952-02-30, line 7 birth date in the future,
#   line 8 empty family name.
ROSTER_BAD=$(cat <<'EOF'
00482913,O'Donnell,Margaret,Anne,1952-03-14,F,Dr. Eleanor Whitaker
,Lindgren,Sofia,,1970-01-01,F,Dr. Miriam Chen
10234567,Smith,John,Robert,1961-07-22,M,Dr. Miriam Chen
88123456,Hart,Judith,,1952-02-30,F,Dr. Eleanor Whitaker
02251977,Garcia-Lopez,Maria,Isabel,1985-01-09,F,Dr. Miriam Chen
88123457,Young,Oliver,,2031-05-01,M,Dr. Laura Bennett
88123458,,Anna,,1966-06-16,F,Dr. Rajesh Patel
00071346,Brennan,Harold,Francis,1939-04-02,M,Dr. Eleanor Whitaker
EOF
)

declare -A FAM GIV MID DOB SEX PHYS
while IFS=, read -r mrn fam giv mid dob sex phys; do
    FAM[$mrn]=$fam GIV[$mrn]=$giv MID[$mrn]=$mid DOB[$mrn]=$dob SEX[$mrn]=$sex PHYS[$mrn]=$phys
done <<< "$ROSTER"

# ---------------------------------------------------------------------------------------------
# Ground truth: which patient goes on which document (checked against the roster at the end).
# file | expected_status | mrn | doc_type | birth_date | document_date | patient_name | notes
# patient_name is "Family, Given" as in the roster when filed; as written on the page otherwise.
# ---------------------------------------------------------------------------------------------
TRUTH=$(cat <<'EOF'
release-auth-odonnell.tif|filed|00482913|release_form|1952-03-14|2024-10-03|O'Donnell, Margaret|handwritten name+DOB+MRN; Patrick O'Donnell shares the family name; Grace Underwood shares the DOB; MRN 00482973 (Kowalski) is one digit away
release-liability-nguyen.tif|filed|30917452|release_form|2004-09-30|2024-11-18|Nguyen, Linh|twin: Minh Nguyen has the same DOB and MRN 30917453; labels 'Name of Patient' 'DOB' 'Record No.' 'Attending'; block-capital handwriting
release-auth-garcia-lopez.tif|filed|02251977|release_form|1985-01-09|2025-01-06|Garcia-Lopez, Maria|boxed form; DOB written 1-9-85; Maria Garcia (64420187) born 1985-09-01 is the day/month transposition look-alike
release-auth-smith-nodob.tif|review||release_form||2024-12-02|John Smith|only a name: two roster patients named John Smith (10234567 and 10298841) plus Jon Smyth; DOB and MRN left blank
release-auth-mrn-conflict.tif|review||release_form|1952-03-14|2024-10-21|Margaret O'Donnell|conflict: name+DOB are Margaret O'Donnell (00482913) but the written MRN 00482973 is Peter Kowalski's
lowres-150dpi-release.tif|filed|21094456|release_form|1958-12-01|2025-02-11|Fitzgerald, Eileen|150 dpi bilevel page (1275x1650)
rotated-180-release.tif|filed|45500212|release_form|1950-10-30|2024-09-27|O'Donnell, Patrick|page scanned upside down; Margaret O'Donnell shares the family name
chart-progress-kowalski.tif|filed|00482973|chart|1949-06-02|2024-10-02|Kowalski, Peter|Code 128 label 00482973 + printed DOB; handwritten progress note; MRN one digit from 00482913 (1/7 confusion)
chart-discharge-smith.tif|filed|10234567|chart|1961-07-22|2024-08-15|Smith, John|Code 128 label; printed discharge summary; name alone is ambiguous (two John Smiths) but MRN+DOB are unique
chart-qr-nguyen.png|filed|30917453|chart|2004-09-30|2024-11-20|Nguyen, Minh|QR label (MRN=30917453;DOB=2004-09-30;NAME=NGUYEN^MINH); 8-bit grey PNG; twin Linh shares the DOB
chart-nolabel-brennan.tif|filed|00071346|chart|1939-04-02|2024-12-09|Brennan, Harold|no label; handwritten 'Pt: Harold Brennan DOB 4/2/1939' in the body
chart-nolabel-smith.tif|review||chart||2025-01-14|John Smith|no label; only 'John Smith' handwritten; two roster John Smiths; signed by an RN
chart-multipage.tif|filed|00913385|chart|1944-08-17|2024-07-08|Thompson, Dorothy|3-page G4 TIFF (H&P typed, orders and progress note handwritten); Code 128 label on every page
rotated-90-chart.tif|filed|58120934|chart|1967-05-21|2024-10-29|Haddad, Samir|page rotated 90 degrees clockwise (3300x2550); Code 128 label
color-progress-ivanova.jpg|filed|07730419|chart|1990-02-28|2025-02-03|Ivanova, Elena|200 dpi colour JPEG, yellowish paper, blue ink, perspective and uneven light
letter-odonnell-dob.tif|filed|00482913|correspondence|1952-03-14|2024-10-12|O'Donnell, Margaret|handwritten letter to Dr. Whitaker from daughter Siobhan Kelly (not a patient); 'born March 14, 1952'
letter-brennan-nodob.tif|review||correspondence||2024-12-03|Harold Brennan|handwritten letter from wife Ruth Brennan (not a patient); name only, no DOB; Harold Brennan is 00071346
letter-nguyen-writer-patient.tif|filed|30917453|correspondence|2004-09-30|2024-11-25|Nguyen, Minh|about son Minh Nguyen 'date of birth 9/30/2004'; the writer Daniel Nguyen (30917104) is himself a roster patient; twin Linh shares the DOB
bad/empty.tif|rejected||unknown|||||0 bytes
bad/not-an-image.tif|rejected||unknown|||||plain text with a .tif name
bad/truncated.tif|rejected||unknown|||||valid G4 TIFF cut in half (IFD lost)
bad/corrupt.png|rejected||unknown|||||PNG signature and IHDR valid; IDAT is garbage; no IEND
bad/huge-header.tif|rejected||unknown|||||tiny TIFF whose header claims 200000x200000 pixels (decompression bomb); must be refused before decoding
bad/document.pdf|rejected||unknown|||||PDF; unsupported for now
EOF
)

# ---------------------------------------------------------------------------------------------
# Date helpers: ISO "YYYY-MM-DD" -> various written forms (result in D)
# ---------------------------------------------------------------------------------------------
MONTHS=(x January February March April May June July August September October November December)
d_mdy()   { D="${1:5:2}/${1:8:2}/${1:0:4}"; }                                  # 03/14/1952
d_short() { D="$((10#${1:5:2}))/$((10#${1:8:2}))/${1:2:2}"; }                  # 3/14/52
d_m_d_y() { D="$((10#${1:5:2}))/$((10#${1:8:2}))/${1:0:4}"; }                  # 3/14/1952
d_long()  { D="${MONTHS[10#${1:5:2}]} $((10#${1:8:2})), ${1:0:4}"; }          # March 14, 1952

# ---------------------------------------------------------------------------------------------
# Page drawing. A page is an array P of convert arguments, rendered by a finish_* function.
# ---------------------------------------------------------------------------------------------
PAPER=white
page_begin() {
    P=( -size "${W}x${H}" "xc:$PAPER" -density 300 -units PixelsPerInch -gravity NorthWest )
}

# txt X Y FONT PT TEXT [COLOUR] - printed text, top-left of the text box at X,Y
txt() { P+=( -font "$3" -pointsize "$4" -fill "${6:-$INK_PRINT}" -stroke none -annotate "+$1+$2" "$5" ); }

# para X Y FONT PT COLS LINE_H TEXT - printed paragraph, wrapped at COLS characters; sets Y_END
para() {
    local x=$1 y=$2 line
    while IFS= read -r line; do
        txt "$x" "$y" "$3" "$4" "$line"
        y=$(( y + $6 ))
    done < <(printf '%s\n' "$7" | fold -s -w "$5")
    Y_END=$y
}

rule()  { P+=( -stroke "${4:-$INK_PRINT}" -strokewidth "${5:-3}" -fill none -draw "line $1,$2 $3,$2" -stroke none ); }
rect()  { P+=( -stroke "${5:-$INK_PRINT}" -strokewidth "${6:-3}" -fill none -draw "rectangle $1,$2 $3,$4" -stroke none ); }

declare -A TWC
textw() {  # textw FONT PT TEXT -> TW, rendered width in pixels at 300 dpi (cached)
    local k="$1|$2|$3"
    [[ -n ${TWC[$k]:-} ]] || TWC[$k]=$(convert -density 300 -font "$1" -pointsize "$2" label:"$3" -format %w info:)
    TW=${TWC[$k]}
}

# hw X Y FONT PT INK TEXT - handwriting: each word a little bigger or smaller, tilted, lifted,
# unevenly spaced; the whole line gets a slight slope. X is the left end, Y roughly the baseline.
hw() {
    local x=$1 y=$2 font=$3 pt=$4 ink=$5 text=$6 word first=1 ps ang lift
    local -a words
    read -ra words <<< "$text"
    (( ${#words[@]} )) || return 0
    rnd -8 8; x=$(( x + R )); rnd -6 6; y=$(( y + R - HW_BASE[$font] * pt / 10 - 14 ))
    P+=( '(' -background none -fill "$ink" -stroke none )
    for word in "${words[@]}"; do
        if (( first )); then first=0; else rnd $(( pt + 4 )) $(( pt * 2 + 10 )); P+=( '(' -size "${R}x4" xc:none ')' ); fi
        rnd -8 8;   dec $(( pt * 10 + R )); ps=$D
        rnd -22 22; dec "$R"; ang=$D
        rnd 0 10;   lift=$R
        P+=( '(' +size -font "$font" -pointsize "$ps" "label:$word" -rotate "$ang" -gravity South -splice "0x$lift" ')' )
    done
    rnd -12 12; dec "$R"
    P+=( -gravity South +append -rotate "$D" ')' -gravity NorthWest -geometry "+$x+$y" -composite )
}

# hw_lines X Y FONT PT INK LINE_H TEXT - handwritten lines (Y: first baseline), wandering margin
hw_lines() {
    local x=$1 y=$2 line lead
    while IFS= read -r line; do
        lead=${line%%[! ]*}
        rnd -14 14
        [[ -n $line ]] && hw $(( x + R + ${#lead} * $4 * 2 )) "$y" "$3" "$4" "$5" "$line"
        rnd -6 6
        y=$(( y + $6 + R ))
    done <<< "$7"
    Y_END=$y
}

# signature X Y INK NAME - a quick, tilted, bold scrawl with an underline flourish
signature() {
    local x=$1 y=$2
    rnd -40 -15; dec "$R"
    P+=( '(' +size -background none -fill "$3" -font "$HW_DKG_BD" -pointsize 22 "label:$4" -rotate "$D" ')'
         -gravity NorthWest -geometry "+$x+$y" -composite )
    rnd 0 20
    P+=( -stroke "$3" -strokewidth 4 -fill none
         -draw "bezier $(( x + 60 )),$(( y + 185 + R )) $(( x + 300 )),$(( y + 205 )) $(( x + 560 )),$(( y + 160 )) $(( x + 760 )),$(( y + 175 - R ))"
         -stroke none )
}

# check X Y INK - a handwritten tick in a checkbox
check() {
    local x=$1 y=$2
    rnd -4 4
    P+=( -stroke "$3" -strokewidth 6 -fill none
         -draw "polyline $(( x + 4 )),$(( y + 18 + R )) $(( x + 16 )),$(( y + 36 )) $(( x + 46 + R )),$(( y - 12 ))" -stroke none )
}

# checkbox X Y LABEL [checked INK]
checkbox() {
    rect "$1" "$2" $(( $1 + 36 )) $(( $2 + 36 ))
    txt $(( $1 + 55 )) $(( $2 - 4 )) "$SANS" 10 "$3"
    [[ ${4:-} == checked ]] && check "$1" "$2" "$5"
    return 0
}

# header TITLE [SUBTITLE] - hospital letterhead and a centred bold title
header() {
    txt "$ML" 150 "$SERIF_B" 13 "$HOSPITAL"
    txt "$ML" 215 "$SANS" 8 "$HOSPITAL_ADDR"
    rule "$ML" 265 "$MR"
    textw "$SANS_B" 15 "$1"
    txt $(( (W - TW) / 2 )) 330 "$SANS_B" 15 "$1"
    if [[ -n ${2:-} ]]; then
        textw "$SANS" 10 "$2"
        txt $(( (W - TW) / 2 )) 410 "$SANS" 10 "$2"
    fi
}

# footer TEXT
footer() { txt "$ML" 3120 "$SANS" 7 "$1"; }

# hole_punches - the black circles a scanner lid shows through three-hole-punched paper
hole_punches() {
    local y
    for y in 600 1650 2700; do P+=( -fill black -draw "circle 95,$y 95,$(( y + 42 ))" ); done
}

# sticker X Y MRN c128|qr - a printed patient label, composited slightly askew
sticker() {
    local x=$1 y=$2 m=$3 kind=$4 code tx=30
    local name="${FAM[$m]^^}, ${GIV[$m]^^}${MID[$m]:+ ${MID[$m]:0:1}}"
    local phys=${PHYS[$m]#Dr. }; phys="${phys##* }, ${phys% *}"; phys=${phys^^}
    d_mdy "${DOB[$m]}"; local dob=$D
    code=$TMP/code-$m-$kind.png
    if [[ $kind == qr ]]; then
        zint -b QRCODE --scale=4 --data="MRN=$m;DOB=${DOB[$m]};NAME=${FAM[$m]^^}^${GIV[$m]^^}" -o "$code" >/dev/null
        tx=24
    else
        zint -b CODE128 --scale=2 --height=32 --notext --data="$m" -o "$code" >/dev/null
    fi
    P+=( '(' -size 900x430 xc:white -stroke black -strokewidth 3 -fill none
             -draw "roundrectangle 2,2 897,427 24,24" -stroke none -fill black -font "$SANS_B" -pointsize 10
             -gravity NorthWest
             -annotate "+$tx+22"  "NAME: $name"
             -annotate "+$tx+78"  "DOB: $dob  SEX: ${SEX[$m]}"
             -annotate "+$tx+134" "MRN: $m"
             -annotate "+$tx+190" "ATT: $phys" )
    if [[ $kind == qr ]]; then
        P+=( '(' "$code" -filter point ')' -gravity NorthEast -geometry +26+170 -composite )
    else
        P+=( -font "$SANS" -pointsize 7 -annotate +560+290 "ADM $5" '(' "$code" -filter point ')' -geometry +24+250 -composite )
    fi
    rnd -9 9; dec "$R"
    P+=( -background none -rotate "$D" ')' -gravity NorthWest -geometry "+$x+$y" -composite )
}

# label_placeholder X Y - the dashed "affix label here" box on a chart form with no label on it
label_placeholder() {
    P+=( -stroke black -strokewidth 2 -fill none -draw "stroke-dasharray 18 12 rectangle $1,$2 $(( $1 + 900 )),$(( $2 + 430 ))" -stroke none )
    txt $(( $1 + 210 )) $(( $2 + 190 )) "$SANS" 10 "AFFIX PATIENT LABEL HERE"
}

# speckle N - dust and toner specks, and a few larger blobs
speckle() {
    local i x y r s=''
    for (( i = 0; i < $1; i++ )); do
        rnd 0 $(( W - 1 )); x=$R; rnd 0 $(( H - 1 )); y=$R; rnd 1 3; r=$R
        s+="circle $x,$y $(( x + r )),$y "
    done
    for (( i = 0; i < 4; i++ )); do
        rnd 100 $(( W - 100 )); x=$R; rnd 100 $(( H - 100 )); y=$R; rnd 5 9; r=$R
        s+="ellipse $x,$y $r,$(( r / 2 + 1 )) 0,360 "
    done
    P+=( -fill black -stroke none -draw "$s" )
}

# ---------------------------------------------------------------------------------------------
# Finishing: turn the drawn page into a scan
# ---------------------------------------------------------------------------------------------
TIFF_OPTS=( -strip -define tiff:fill-order=msb -compress Group4 )

# finish_bilevel OUT SEED SKEW_TENTHS [DPI] [ROTATE] - G4 TIFF, 1-bit, skewed, noisy.
# (-type grayscale after the threshold: the G4 writer then skips a slow bilevel re-analysis; the
# file is still 1-bit. -distort rather than -rotate: faster, and keeps the page size.)
finish_bilevel() {
    local out=$1 seed=$2 dpi=${4:-300} rot=${5:-0} skew
    local -a post=()
    dec "$3"; skew=$D
    srand "$seed"; speckle 140
    (( dpi != 300 )) && post+=( -filter Triangle -resize "$(( 100 * dpi / 300 ))%" )
    # a random threshold per pixel (35-75% grey) makes ragged, scanner-like edges
    post+=( -seed "$seed" -channel R -random-threshold 35x75% -separate +channel )
    (( rot )) && post+=( -rotate "$rot" )
    convert -respect-parentheses "${P[@]}" -channel R -separate +channel \
        -background white -virtual-pixel background -filter point -interpolate bilinear \
        -distort SRT "$skew" +filter +repage \
        "${post[@]}" +repage -type grayscale -units PixelsPerInch -density "$dpi" "${TIFF_OPTS[@]}" "$out"
}

# finish_grey OUT SEED SKEW_TENTHS - 8-bit greyscale PNG, lightly noisy, 16 grey levels
finish_grey() {
    local out=$1 seed=$2 skew
    dec "$3"; skew=$D
    srand "$seed"; speckle 60
    convert -respect-parentheses "${P[@]}" -channel R -separate +channel \
        -background '#f2f2f2' -virtual-pixel background -filter point -interpolate bilinear \
        -distort SRT "$skew" +filter +repage \
        -blur 0x0.6 -level 4%,96% +level 6%,94% -posterize 16 \
        -depth 8 -type Grayscale -units PixelsPerInch -density 300 \
        -strip -define png:exclude-chunks=date,time -define png:compression-level=9 \
        -define png:color-type=0 -define png:bit-depth=8 "PNG:$out"
}

# finish_color OUT SEED SKEW_TENTHS - 200 dpi colour JPEG that looks like a phone photo of paper
finish_color() {
    local out=$1 seed=$2 skew
    dec "$3"; skew=$D
    convert -respect-parentheses "${P[@]}" -filter Triangle -resize 1700x2200 \
        -background '#5a5650' -gravity center -extent 1770x2260 +repage \
        -virtual-pixel background -filter point -interpolate bilinear \
        -distort SRT "$skew" \
        -distort Perspective '0,0 28,18  1770,0 1736,40  0,2260 46,2246  1770,2260 1730,2226' +filter \
        '(' -size 1770x2260 radial-gradient:'#ffffff'-'#a8a8a8' ')' -compose Multiply -composite -compose Over \
        -blur 0x0.5 -seed "$seed" -attenuate 0.3 +noise Gaussian \
        -resize 1700x2200! -units PixelsPerInch -density 200 \
        -strip -sampling-factor 2x2 -quality 62 "$out"
}

# ---------------------------------------------------------------------------------------------
# Document kinds
# ---------------------------------------------------------------------------------------------
BOILER_AUTH1='I hereby authorize Riverbend Community Hospital to release the health information described below to the person or organization named on this form. I understand that the information released may include records of treatment for physical and mental illness, alcohol or drug use, HIV/AIDS and communicable diseases unless I specifically exclude them.'
BOILER_AUTH2='This authorization expires one year from the date signed unless I revoke it sooner. I may revoke it at any time by notifying the Health Information Management department in writing, except to the extent that action has already been taken in reliance on it. Treatment, payment, enrollment or eligibility for benefits will not be conditioned on whether I sign this authorization.'
BOILER_AUTH3='Information disclosed under this authorization may be re-disclosed by the recipient and may no longer be protected by federal privacy regulations (45 CFR Parts 160 and 164). A copy of this form is as valid as the original.'
BOILER_LIAB1='I, the undersigned patient, acknowledge that I am leaving Riverbend Community Hospital against the advice of my attending physician and the hospital staff. The risks of leaving, including worsening of my condition, permanent injury and death, have been explained to me and I understand them.'
BOILER_LIAB2='I hereby release the hospital, its physicians, nurses, employees and agents from all responsibility and liability for any ill effects that may result from my leaving. I understand that I may return for treatment at any time, and that I have been given written discharge instructions.'

# form_field X Y LABEL XEND VALUE FONT PT - a printed "Label: ______" with the value handwritten
# on the rule (nothing written when VALUE is empty)
form_field() {
    local x=$1 y=$2
    txt "$x" "$y" "$SANS_B" 11 "$3"
    textw "$SANS_B" 11 "$3"
    rule $(( x + TW + 14 )) $(( y + 56 )) "$4" "$INK_PRINT" 2
    rnd 10 60
    [[ -n $5 ]] && hw $(( x + TW + 30 + R )) $(( y + 46 )) "$6" "$7" "$INK" "$5"
    return 0
}
# form_fields_lines Y FONT PT / form_fields_boxes Y FONT PT - the identifier block of a form:
# labels L_NAME L_DOB L_MRN L_PHYS, values V_NAME V_DOB V_MRN V_PHYS. Set Y_END.
form_fields_lines() {
    local y=$1 font=$2 pt=$3
    form_field "$ML" "$y" "$L_NAME" "$MR" "$V_NAME" "$font" "$pt"
    form_field "$ML" $(( y + 130 )) "$L_DOB" 1230 "$V_DOB" "$font" "$pt"
    form_field 1320 $(( y + 130 )) "$L_MRN" "$MR" "$V_MRN" "$font" "$pt"
    form_field "$ML" $(( y + 260 )) "$L_PHYS" "$MR" "$V_PHYS" "$font" "$pt"
    Y_END=$(( y + 390 ))
}

# form_box X1 Y1 X2 Y2 LABEL VALUE FONT PT - a boxed field with a small label in its corner
form_box() {
    rect "$1" "$2" "$3" "$4" "$INK_PRINT" 3
    txt $(( $1 + 14 )) $(( $2 + 10 )) "$SANS" 8 "$5"
    rnd 0 80
    [[ -n $6 ]] && hw $(( $1 + 40 + R )) $(( $2 + 120 )) "$7" "$8" "$INK" "$6"
    return 0
}
form_fields_boxes() {
    local y=$1 font=$2 pt=$3
    form_box "$ML" "$y" "$MR" $(( y + 150 )) "$L_NAME" "$V_NAME" "$font" "$pt"
    form_box "$ML" $(( y + 150 )) 1180 $(( y + 300 )) "$L_DOB" "$V_DOB" "$font" "$pt"
    form_box 1180 $(( y + 150 )) "$MR" $(( y + 300 )) "$L_MRN" "$V_MRN" "$font" "$pt"
    form_box "$ML" $(( y + 300 )) "$MR" $(( y + 450 )) "$L_PHYS" "$V_PHYS" "$font" "$pt"
    Y_END=$(( y + 510 ))
}

# Label wordings. Each form picks one set.
labels() {
    case $1 in
        A) L_NAME='Patient Name:' L_DOB='Date of Birth:' L_MRN='MRN:' L_PHYS='Physician:' L_DATE='Date:' ;;
        B) L_NAME='Name of Patient:' L_DOB='DOB:' L_MRN='Record No.:' L_PHYS='Attending:' L_DATE='Date:' ;;
        C) L_NAME='PATIENT NAME' L_DOB='BIRTH DATE' L_MRN='MEDICAL RECORD #' L_PHYS='ATTENDING PHYSICIAN' L_DATE='Date Signed:' ;;
        D) L_NAME='Name of Patient:' L_DOB='Birth Date:' L_MRN='Medical Record #:' L_PHYS='Physician:' L_DATE='Date:' ;;
    esac
}

# release_form OUT - env: KIND=auth|liability LABELS=A..D STYLE=lines|boxes FONT PT SEED SKEW
#   V_NAME V_DOB V_MRN V_PHYS V_DATE V_SIGN [V_RELEASE_TO V_PURPOSE] [DPI ROT]
release_form() {
    local out=$1 y
    srand "$SEED"; labels "$LABELS"
    page_begin
    if [[ $KIND == auth ]]; then
        header 'AUTHORIZATION FOR RELEASE OF MEDICAL INFORMATION' 'Please print clearly. Incomplete forms will be returned.'
    else
        header 'RELEASE OF LIABILITY' 'Discharge Against Medical Advice'
    fi
    if [[ $STYLE == boxes ]]; then form_fields_boxes 540 "$FONT" "$PT"; else form_fields_lines 560 "$FONT" "$PT"; fi
    y=$Y_END
    if [[ $KIND == auth ]]; then
        form_field "$ML" "$y" 'Release to:' "$MR" "$V_RELEASE_TO" "$FONT" "$PT"
        form_field "$ML" $(( y + 130 )) 'Purpose of disclosure:' "$MR" "$V_PURPOSE" "$FONT" "$PT"
        y=$(( y + 270 ))
        txt "$ML" "$y" "$SANS_B" 11 'Information to be released:'
        y=$(( y + 80 ))
        checkbox "$ML" "$y" 'Entire record'
        checkbox 900 "$y" 'Discharge summary' checked "$INK"
        checkbox 1600 "$y" 'Laboratory results' checked "$INK"
        checkbox "$ML" $(( y + 70 )) 'Imaging reports'
        checkbox 900 $(( y + 70 )) 'Progress notes'
        checkbox 1600 $(( y + 70 )) 'Other:'
        y=$(( y + 180 ))
        para "$ML" "$y" "$SERIF" 10 92 50 "$BOILER_AUTH1"; y=$(( Y_END + 40 ))
        para "$ML" "$y" "$SERIF" 10 92 50 "$BOILER_AUTH2"; y=$(( Y_END + 40 ))
        para "$ML" "$y" "$SERIF" 10 92 50 "$BOILER_AUTH3"; y=$(( Y_END + 40 ))
    else
        y=$(( y + 40 ))
        para "$ML" "$y" "$SERIF" 10 92 50 "$BOILER_LIAB1"; y=$(( Y_END + 40 ))
        para "$ML" "$y" "$SERIF" 10 92 50 "$BOILER_LIAB2"; y=$(( Y_END + 40 ))
        form_field "$ML" $(( y + 40 )) 'Reason for leaving:' "$MR" "$V_PURPOSE" "$FONT" "$PT"
        y=$(( y + 200 ))
    fi
    # signature block
    y=2620
    [[ -n $V_SIGN ]] && signature 300 $(( y - 175 )) "$INK" "$V_SIGN"
    rule "$ML" $(( y + 40 )) 1500 "$INK_PRINT" 2
    txt "$ML" $(( y + 55 )) "$SANS" 9 'Signature of Patient or Legal Representative'
    form_field 1600 $(( y - 16 )) "$L_DATE" "$MR" "$V_DATE" "$FONT" "$PT"
    form_field "$ML" $(( y + 170 )) 'Relationship to patient (if not patient):' "$MR" '' "$FONT" "$PT"
    txt "$ML" $(( y + 330 )) "$SANS" 9 'Witness:'
    rule 400 $(( y + 370 )) 1300 "$INK_PRINT" 2
    footer "HIM-${KIND^^}-07  Rev. 04/2021   White: Medical Record   Yellow: Patient"
    finish_bilevel "$out" "$SEED" "$SKEW" "${DPI:-300}" "${ROT:-0}"
}

# Ruled notes area: a DATE/TIME column and a NOTES column; sets ROW_Y0 and ROW_H
notes_grid() {  # notes_grid Y_TOP Y_BOTTOM
    local y
    ROW_Y0=$1 ROW_H=88
    rect "$ML" "$1" "$MR" "$2" "$INK_PRINT" 3
    P+=( -fill '#e8e8e8' -draw "rectangle $(( ML + 2 )),$(( $1 + 2 )) $(( MR - 2 )),$(( $1 + 70 ))" )
    txt $(( ML + 20 )) $(( $1 + 14 )) "$SANS_B" 9 'DATE / TIME'
    txt 640 $(( $1 + 14 )) "$SANS_B" 9 'NOTES  (sign every entry)'
    P+=( -stroke black -strokewidth 2 -draw "line 600,$1 600,$2" -stroke none )
    for (( y = $1 + 72 + ROW_H; y < $2; y += ROW_H )); do rule "$ML" "$y" "$MR" '#505050' 2; done
}

# notes_body DATE_TEXT FONT PT TEXT - handwriting sitting on the ruled lines
notes_body() {
    hw 240 $(( ROW_Y0 + 72 + ROW_H - 12 )) "$2" $(( $3 - 2 )) "$INK" "$1"
    hw_lines 630 $(( ROW_Y0 + 72 + ROW_H - 12 )) "$2" "$3" "$INK" "$ROW_H" "$4"
}

# progress_note_page M|- TITLE DATE_TEXT FONT PT BODY [c128|qr|none] - draws, does not finish
progress_note_page() {
    local m=$1 kind=${7:-c128}
    page_begin
    txt "$ML" 150 "$SERIF_B" 11 "$HOSPITAL"
    txt "$ML" 210 "$SANS" 8 'Millbrook, Ohio'
    txt "$ML" 330 "$SANS_B" 18 "$2"
    txt "$ML" 420 "$SANS" 9 'Interdisciplinary - use black ink'
    if [[ $kind == none ]]; then label_placeholder 1500 110
    else sticker 1500 110 "$m" "$kind" "${ADM:-}"; fi
    notes_grid 640 3040
    notes_body "$3" "$4" "$5" "$6"
    footer "Form 7-112  Rev. 03/2019   $2"
}

# typed_page M TITLE TEXT-BLOCKS... - an EHR printout (typed) with a label; does not finish
typed_page() {
    local m=$1 title=$2 y=560 block; shift 2
    page_begin
    txt "$ML" 150 "$SERIF_B" 11 "$HOSPITAL"
    txt "$ML" 210 "$SANS" 8 'Millbrook, Ohio'
    txt "$ML" 330 "$SANS_B" 18 "$title"
    sticker 1500 110 "$m" c128 "${ADM:-}"
    for block in "$@"; do
        if [[ $block == '## '* ]]; then
            txt "$ML" "$y" "$SERIF_B" 11 "${block#\#\# }"; y=$(( y + 62 ))
        else
            para "$ML" "$y" "$SERIF" 10 94 48 "$block"; y=$(( Y_END + 26 ))
        fi
    done
}

# letter OUT FONT PT SEED SKEW TEXT - a handwritten letter on plain paper
letter() {
    srand "$4"
    page_begin
    hw_lines 300 340 "$2" "$3" "$INK" 112 "$6"
    finish_bilevel "$1" "$4" "$5"
}

# ---------------------------------------------------------------------------------------------
# The samples
# ---------------------------------------------------------------------------------------------
make_releases() {
    KIND=auth LABELS=A STYLE=lines FONT=$HW_DKG PT=15 SEED=101 SKEW=6 \
    V_NAME="Margaret A. O'Donnell" V_DOB='03/14/1952' V_MRN='00482913' V_PHYS='Dr. Whitaker' \
    V_DATE='10/3/2024' V_SIGN="Margaret O'Donnell" \
    V_RELEASE_TO='Lakeside Cardiology - Dr. A. Forsythe' V_PURPOSE='continuing care' \
        release_form release-auth-odonnell.tif

    KIND=liability LABELS=B STYLE=lines FONT=$HW_HUMOR PT=13 SEED=102 SKEW=-8 \
    V_NAME='Linh T. Nguyen' V_DOB='9/30/2004' V_MRN='30917452' V_PHYS='Dr. L. Bennett' \
    V_DATE='11/18/24' V_SIGN='Linh Nguyen' V_PURPOSE='exams this week - will follow up Monday' \
        release_form release-liability-nguyen.tif

    KIND=auth LABELS=C STYLE=boxes FONT=$HW_BREIP PT=17 SEED=103 SKEW=4 \
    V_NAME='Maria I. Garcia-Lopez' V_DOB='1-9-85' V_MRN='02251977' V_PHYS='Dr. Chen' \
    V_DATE='Jan 6, 2025' V_SIGN='M. Garcia-Lopez' \
    V_RELEASE_TO='Maria Garcia-Lopez (self)' V_PURPOSE='personal copy' \
        release_form release-auth-garcia-lopez.tif

    KIND=auth LABELS=D STYLE=lines FONT=$HW_DKG_IT PT=16 SEED=104 SKEW=-5 \
    V_NAME='John Smith' V_DOB='' V_MRN='' V_PHYS='' \
    V_DATE='12/2/2024' V_SIGN='John Smith' \
    V_RELEASE_TO='Hartwell Insurance Co.' V_PURPOSE='disability claim' \
        release_form release-auth-smith-nodob.tif

    KIND=auth LABELS=A STYLE=lines FONT=$HW_DKG_BD PT=14 SEED=105 SKEW=9 \
    V_NAME="Margaret O'Donnell" V_DOB='3/14/1952' V_MRN='00482973' V_PHYS='Whitaker' \
    V_DATE='10/21/24' V_SIGN="Margaret O'Donnell" \
    V_RELEASE_TO='Siobhan Kelly (daughter)' V_PURPOSE='family request' \
        release_form release-auth-mrn-conflict.tif

    KIND=auth LABELS=B STYLE=lines FONT=$HW_DKG PT=16 SEED=106 SKEW=-3 DPI=150 \
    V_NAME='Eileen M. Fitzgerald' V_DOB='12/01/1958' V_MRN='21094456' V_PHYS='Dr. Whitaker' \
    V_DATE='2/11/2025' V_SIGN='Eileen Fitzgerald' \
    V_RELEASE_TO='Millbrook Physical Therapy' V_PURPOSE='continuing care' \
        release_form lowres-150dpi-release.tif

    KIND=liability LABELS=C STYLE=boxes FONT=$HW_HUMOR PT=14 SEED=107 SKEW=5 ROT=180 \
    V_NAME="Patrick J. O'Donnell" V_DOB='10/30/1950' V_MRN='45500212' V_PHYS='Dr. Whitaker' \
    V_DATE='9/27/24' V_SIGN="Patrick O'Donnell" V_PURPOSE='wife is ill at home' \
        release_form rotated-180-release.tif
}

make_charts() {
    # Peter Kowalski - Code 128 label, handwritten progress note
    srand 201
    ADM='10/01/24' progress_note_page 00482973 'PROGRESS NOTES' '10/2/24 0815' "$HW_DKG_IT" 14 \
'S: Pt reports less SOB overnight, slept in
recliner. Mild cough, no fever. Ate half of bkfst.
O: T 98.4  HR 88  BP 142/86  RR 18  SpO2 94 RA
Bibasilar crackles, 1+ pitting edema bilat.
A: CHF exacerbation - improving with diuresis.
P: cont. furosemide 40 IV BID, daily weights,
strict I/O, BMP in AM. Ambulate with PT.

                         R. Patel MD'
    hole_punches
    finish_bilevel chart-progress-kowalski.tif 201 7

    # John Robert Smith - typed discharge summary with a Code 128 label
    srand 202
    ADM='08/11/24' typed_page 10234567 'DISCHARGE SUMMARY' \
        'Patient: SMITH, JOHN ROBERT      MRN: 10234567      Sex: M' \
        'Admission Date: 08/11/2024      Discharge Date: 08/15/2024' \
        'Attending Physician: Miriam Chen, MD' \
        '## Principal Diagnosis' \
        'Community-acquired pneumonia, right lower lobe (J18.9).' \
        '## Secondary Diagnoses' \
        'Type 2 diabetes mellitus without complications (E11.9). Essential hypertension (I10).' \
        '## Hospital Course' \
        'The patient presented with three days of productive cough, fever to 101.8 F and pleuritic right-sided chest pain. Chest radiograph showed a right lower lobe consolidation. He was started on ceftriaxone and azithromycin with prompt improvement in fever and oxygen requirement. Blood cultures remained negative. Glucose was managed with basal insulin while inpatient and metformin was resumed on the day of discharge. He was ambulating independently on room air at discharge.' \
        '## Discharge Medications' \
        'Amoxicillin-clavulanate 875 mg by mouth twice daily for 5 days. Metformin 1000 mg by mouth twice daily. Lisinopril 10 mg by mouth daily. Acetaminophen 650 mg every 6 hours as needed for fever or pain.' \
        '## Follow-up' \
        'Primary care with Dr. Chen in 7 to 10 days. Repeat chest radiograph in 6 weeks to document resolution. Return to the emergency department for shortness of breath, chest pain or fever above 101 F.' \
        'Electronically signed by Miriam Chen, MD on 08/15/2024 16:42'
    finish_bilevel chart-discharge-smith.tif 202 -4

    # Minh Nguyen - QR label, handwritten orders, 8-bit grey PNG
    srand 203
    ADM='11/20/24' progress_note_page 30917453 'PHYSICIAN ORDERS' '11/20/24 1340' "$HW_DKG" 14 \
'Dx: asthma exacerbation, mild
1. Albuterol HFA 2 puffs q4h PRN wheeze
2. Prednisone 40 mg PO daily x 5 days
3. Peak flow before and after neb
4. D/C home when peak flow above 350
5. Asthma action plan reviewed with pt

                         L. Bennett MD' qr
    finish_grey chart-qr-nguyen.png 203 -6

    # Harold Brennan - no label; name and DOB only in the handwriting
    srand 204
    progress_note_page - 'PROGRESS NOTES' '12/9/24 1030' "$HW_DKG" 15 \
'Pt: Harold Brennan   DOB 4/2/1939
F/U CHF. Wt 182 lb (down 3). Ankles - trace
edema. Lungs clear. Says he is sleeping flat.
Cont. current meds. Low salt diet reviewed
with wife. RTC 4 wks, sooner if wt up 3 lb.

                         E. Whitaker MD' none
    hole_punches
    finish_bilevel chart-nolabel-brennan.tif 204 -7

    # "John Smith" - no label, name only: ambiguous
    srand 205
    progress_note_page - 'PROGRESS NOTES' '1/14/25 0910' "$HW_BREIP" 16 \
'John Smith - seen for R knee pain after
a fall on ice 1/10. Swelling, no locking.
Ice, elevate, ibuprofen. Xray ordered.

                         K. Alvarez RN' none
    finish_bilevel chart-nolabel-smith.tif 205 3

    # Samir Haddad - page fed sideways: rotated 90 degrees clockwise
    srand 206
    ADM='10/28/24' progress_note_page 58120934 'PROGRESS NOTES' '10/29/24 0700' "$HW_DKG" 14 \
'POD 1 s/p lap cholecystectomy. Pain 3/10,
tolerating clears, voiding. Incisions c/d/i.
Advance diet, d/c IV fluids, home this pm
if tolerating lunch.

                         S. Okafor MD'
    hole_punches
    finish_bilevel rotated-90-chart.tif 206 4 300 90
}

make_multipage() {
    local m=00913385
    ADM='07/06/24'
    srand 301
    typed_page "$m" 'HISTORY AND PHYSICAL' \
        'Patient: THOMPSON, DOROTHY MAE      MRN: 00913385      DOB: 08/17/1944' \
        'Date of Service: 07/06/2024      Attending Physician: Rajesh Patel, MD      Page 1 of 3' \
        '## Chief Complaint' \
        'Left hip pain after a fall at home.' \
        '## History of Present Illness' \
        'Mrs. Thompson is a 79-year-old woman who tripped on a rug at home and was unable to bear weight on the left leg. She did not lose consciousness. She lives alone and was found by her neighbor after about two hours on the floor.' \
        '## Past Medical History' \
        'Osteoporosis. Hypertension. Atrial fibrillation on apixaban. Hypothyroidism.' \
        '## Examination' \
        'Alert and oriented. Left leg shortened and externally rotated. Distal pulses intact. Radiographs show a displaced left femoral neck fracture (S72.002A).' \
        '## Assessment and Plan' \
        'Left femoral neck fracture. Hold apixaban; orthopedics consulted for hemiarthroplasty. Pain control, DVT prophylaxis after surgery, physical therapy and social work evaluation for discharge planning.'
    finish_bilevel "$TMP/mp1.tif" 301 -5

    srand 302
    progress_note_page "$m" 'PHYSICIAN ORDERS' '7/6/24 2200' "$HW_DKG_IT" 14 \
'Admit to ortho floor, Dr. Patel attending
NPO after midnight for OR in AM
Hold apixaban. Last dose 7/6 0800
Morphine 2 mg IV q3h PRN pain
Levothyroxine 75 mcg PO daily
CBC, BMP, PT/INR, type and screen

                         R. Patel MD'
    txt 1900 3080 "$SANS" 8 'Page 2 of 3'
    hole_punches
    finish_bilevel "$TMP/mp2.tif" 302 6

    srand 303
    progress_note_page "$m" 'PROGRESS NOTES' '7/8/24 0745' "$HW_DKG" 14 \
'POD 1 L hemiarthroplasty. Pain controlled.
Hgb 9.8 (10.6). Up to chair with PT.
Resume apixaban tomorrow if no bleeding.
SW: daughter to stay with her after d/c.

                         R. Patel MD'
    txt 1900 3080 "$SANS" 8 'Page 3 of 3'
    hole_punches
    finish_bilevel "$TMP/mp3.tif" 303 -3

    convert "$TMP/mp1.tif" "$TMP/mp2.tif" "$TMP/mp3.tif" -units PixelsPerInch -density 300 "${TIFF_OPTS[@]}" \
        chart-multipage.tif
}

make_color() {
    # Elena Ivanova - phone-photo-like colour scan: yellowish paper, blue ballpoint
    local keep_ink=$INK
    PAPER='#f2e6bf' INK='#1d3a9e'
    srand 401
    ADM='02/03/25' progress_note_page 07730419 'CLINIC NOTE' '2/3/25 1415' "$HW_DKG" 15 \
'28 yo F for f/u of iron deficiency anemia.
Feels less tired. Taking ferrous sulfate
every other day with orange juice.
Hgb 11.9 (was 9.7 in Nov). Ferritin 31.
Cont. iron 3 more months, recheck CBC.

                         L. Bennett MD'
    finish_color color-progress-ivanova.jpg 401 -11
    PAPER=white INK=$keep_ink
}

make_letters() {
    letter letter-odonnell-dob.tif "$HW_DKG" 17 501 -6 \
'                              October 12, 2024

Dear Dr. Whitaker,

I am writing about my mother, Margaret O'"'"'Donnell,
born March 14, 1952. She has been more confused
in the evenings since her last visit, and twice
this week she forgot whether she had taken her
morning pills. She also says the new water pill
makes her dizzy when she stands up.

Could you please look at her medicines again
before her next appointment? I can bring her in
any weekday afternoon. My phone is 555-0148.

Thank you for everything you do for her.

Sincerely,
Siobhan Kelly
(her daughter)'

    letter letter-brennan-nodob.tif "$HW_BREIP" 19 502 8 \
'                               Dec. 3rd 2024

To Dr. Whitaker and the nurses on 4 West,

My husband Harold Brennan was in your care
last month for his heart. Since coming home
his ankles are swollen again and he is short
of breath on the stairs. He weighs himself
every morning like you asked and he is up
four pounds this week.

He does not like to make a fuss so I am
writing for him. Please call us at 555-0172.

God bless,
Ruth Brennan'

    letter letter-nguyen-writer-patient.tif "$HW_DKG_IT" 17 503 -4 \
'                            November 25, 2024

Dear Dr. Bennett,

My son Minh Nguyen (date of birth 9/30/2004)
saw you last week for his asthma. He is away
at college now and asked me to write because
he needs a letter for his school saying he may
carry his inhaler in class and in the gym.

He also needs a refill of the inhaler before
he goes back after Thanksgiving.

I am also your patient, so you can reach me
at the number in my chart.

Thank you,
Daniel Nguyen'
}

# ---------------------------------------------------------------------------------------------
# Bad inputs (hand-built, python3 stdlib)
# ---------------------------------------------------------------------------------------------
make_bad() {
    mkdir -p bad
    : > bad/empty.tif
    printf '%s\n' 'This is not a TIFF image. A scanning station saved a text log under a .tif name.' \
        'Chartroom must reject it without crashing.' > bad/not-an-image.tif
    # a valid single-page G4 TIFF, cut in half
    local size
    size=$(stat -c %s chart-nolabel-smith.tif)
    head -c $(( size / 2 )) chart-nolabel-smith.tif > bad/truncated.tif
    python3 - <<'PY'
import random, struct, zlib

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

# corrupt.png: good signature and IHDR (2550x3300, 8-bit grey), then an IDAT of garbage, no IEND
rng = random.Random(20241125)
garbage = bytes(rng.randrange(256) for _ in range(4096))
with open('bad/corrupt.png', 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n')
    f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', 2550, 3300, 8, 0, 0, 0, 0)))
    f.write(chunk(b'IDAT', garbage))

# huge-header.tif: little-endian TIFF, one IFD claiming a 200000 x 200000 bilevel G4 image,
# with a single 16-byte strip. A decoder that allocates width*height first asks for 5 GB (1 bit)
# or 40 GB (8 bit).
entries = [  # tag, type, count, value  (type 3 SHORT, 4 LONG, 5 RATIONAL)
    (256, 4, 1, 200000),      # ImageWidth
    (257, 4, 1, 200000),      # ImageLength
    (258, 3, 1, 1),           # BitsPerSample
    (259, 3, 1, 4),           # Compression = CCITT G4
    (262, 3, 1, 0),           # PhotometricInterpretation = WhiteIsZero
    (273, 4, 1, None),        # StripOffsets (filled below)
    (277, 3, 1, 1),           # SamplesPerPixel
    (278, 4, 1, 200000),      # RowsPerStrip
    (279, 4, 1, 16),          # StripByteCounts
    (282, 5, 1, None),        # XResolution
    (283, 5, 1, None),        # YResolution
    (296, 3, 1, 2),           # ResolutionUnit = inch
]
ifd_off = 8
ifd_len = 2 + 12 * len(entries) + 4
res_off = ifd_off + ifd_len
strip_off = res_off + 16
out = bytearray(b'II*\x00' + struct.pack('<I', ifd_off))
out += struct.pack('<H', len(entries))
for tag, typ, cnt, val in entries:
    if tag == 273:
        val = strip_off
    if tag in (282, 283):
        out += struct.pack('<HHII', tag, typ, cnt, res_off + (0 if tag == 282 else 8))
    elif typ == 3:
        out += struct.pack('<HHIHH', tag, typ, cnt, val, 0)
    else:
        out += struct.pack('<HHII', tag, typ, cnt, val)
out += struct.pack('<I', 0)
out += struct.pack('<IIII', 300, 1, 300, 1)
out += b'\x00' * 16
with open('bad/huge-header.tif', 'wb') as f:
    f.write(out)

# document.pdf: a small one-page PDF (a typed discharge note), built by hand
text = ['Riverbend Community Hospital - Discharge Note',
        'Patient: BRENNAN, HAROLD   MRN: 00071346   DOB: 04/02/1939',
        'PDF intake is not supported yet; this file should be rejected.']
ops = ['BT /F1 12 Tf 72 720 Td 16 TL']
for line in text:
    ops.append('(%s) Tj T*' % line.replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)'))
ops.append('ET')
stream = '\n'.join(ops).encode('latin-1')
objs = [b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
        b'/Resources << /Font << /F1 5 0 R >> >> >>',
        b'<< /Length %d >>\nstream\n' % len(stream) + stream + b'\nendstream',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
pdf = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
offsets = []
for i, body in enumerate(objs, 1):
    offsets.append(len(pdf))
    pdf += b'%d 0 obj\n' % i + body + b'\nendobj\n'
xref = len(pdf)
pdf += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1)
for off in offsets:
    pdf += b'%010d 00000 n \n' % off
pdf += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objs) + 1, xref)
with open('bad/document.pdf', 'wb') as f:
    f.write(pdf)
PY
}

# ---------------------------------------------------------------------------------------------
# CSV outputs and a consistency check of truth.csv against the roster
# ---------------------------------------------------------------------------------------------
csvq() {  # csvq FIELD -> Q, quoted if it holds a comma, quote or newline
    if [[ $1 == *[,\"]* ]]; then Q="\"${1//\"/\"\"}\""; else Q=$1; fi
}

write_csvs() {
    { echo "$ROSTER_HEADER"; echo "$ROSTER"; } > roster.csv
    { echo "$ROSTER_HEADER"; echo "$ROSTER_BAD"; } > roster-bad.csv
    local file st m dt dob ddate name notes row f
    {
        echo 'file,expected_status,mrn,doc_type,birth_date,document_date,patient_name,notes'
        while IFS='|' read -r file st m dt dob ddate name notes; do
            row=''
            for f in "$file" "$st" "$m" "$dt" "$dob" "$ddate" "$name"; do csvq "$f"; row+="$Q,"; done
            csvq "$notes"; echo "$row$Q"
        done <<< "$TRUTH"
    } > truth.csv
}

check_truth() {
    local file st m dt dob ddate name notes bad=0
    while IFS='|' read -r file st m dt dob ddate name notes; do
        [[ -e $file ]] || { echo "check: $file listed in truth but not generated" >&2; bad=1; }
        if [[ $st == filed ]]; then
            if [[ -z ${FAM[$m]:-} ]]; then echo "check: $file: mrn $m not in roster" >&2; bad=1; continue; fi
            [[ $dob == "${DOB[$m]}" ]] || { echo "check: $file: birth date $dob != roster ${DOB[$m]}" >&2; bad=1; }
            [[ $name == "${FAM[$m]}, ${GIV[$m]}" ]] || { echo "check: $file: name '$name' != roster" >&2; bad=1; }
        elif [[ -n $m ]]; then
            echo "check: $file: $st rows must not name an mrn" >&2; bad=1
        fi
    done <<< "$TRUTH"
    for file in *.tif *.png *.jpg bad/*; do
        grep -q "^$file|" <<< "$TRUTH" || { echo "check: $file has no truth row" >&2; bad=1; }
    done
    return $bad
}

# ---------------------------------------------------------------------------------------------
main() {
    rm -f ./*.tif ./*.png ./*.jpg bad/*
    write_csvs
    make_releases
    make_charts
    make_multipage
    make_color
    make_letters
    make_bad
    check_truth
    local files=( ./*.tif ./*.png ./*.jpg bad/* )
    echo "generate.sh: wrote ${#files[@]} sample files, $(du -ch "${files[@]}" ./*.csv | tail -1 | cut -f1) in total"
}
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
