#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153  # page builders read the plan's variables as globals
# samples/corpus/generate-corpus.sh - the labelled development corpus behind `make eval`.
#
#   samples/corpus/generate-corpus.sh OUTDIR [N]        N documents, default 160
#
# Writes into OUTDIR: roster.csv (~3000 synthetic patients with deliberate look-alikes),
# truth.csv (same columns as samples/truth.csv), plan.tsv (which patient is on which document,
# drawn how) and the scans d0001.tif ... (TIFF G4, some grey PNG, a few colour JPEG).
#
# It is a sibling of samples/generate.sh and uses the same drawing technique (ImageMagick 6
# `convert`, `zint`, handwriting fonts DkgHandwriting / Breip / Humor Sans, print fonts DejaVu),
# but other hospitals, form titles, label wordings and positions, sticker layouts, date
# spellings and barcodes, so that it measures how Chartroom generalises beyond the samples.
#
# Deterministic: every random choice comes from the seeded LCG below (roster, plan, and one seed
# per document for its drawing) or from ImageMagick's -seed; metadata is stripped.  Pages are
# drawn by two worker processes (xargs -P2); the output does not depend on which one draws what.
#
# Environment: ROSTER_N (default 3000) patients in the roster; JOBS (default 2) drawing workers.
set -euo pipefail
export LC_ALL=C
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# =============================================================================================
# Fonts, page geometry, inks
# =============================================================================================
FD=/usr/share/fonts/truetype
SANS=$FD/dejavu/DejaVuSans.ttf
SANS_B=$FD/dejavu/DejaVuSans-Bold.ttf
SANS_C=$FD/dejavu/DejaVuSansCondensed.ttf
SANS_CB=$FD/dejavu/DejaVuSansCondensed-Bold.ttf
SERIF=$FD/dejavu/DejaVuSerif.ttf
SERIF_B=$FD/dejavu/DejaVuSerif-Bold.ttf
SERIF_I=$FD/dejavu/DejaVuSerif-Italic.ttf
HW_DKG=$FD/fifthhorseman/dkg.ttf
HW_DKG_IT=$FD/fifthhorseman/dkgIt.ttf
HW_DKG_BD=$FD/fifthhorseman/dkgBd.ttf
HW_BREIP=$FD/breip/Breip.ttf
HW_HUMOR=$FD/humor-sans/Humor-Sans.ttf
HW_FONTS=( "$HW_DKG" "$HW_DKG_IT" "$HW_DKG_BD" "$HW_BREIP" "$HW_HUMOR" )
# baseline of each handwriting font below the top of its label: image (tenths of a px per pt)
declare -A HW_BASE=( ["$HW_DKG"]=67 ["$HW_DKG_IT"]=67 ["$HW_DKG_BD"]=67 ["$HW_BREIP"]=37 ["$HW_HUMOR"]=39 )

W=2550 H=3300            # US letter at 300 dpi; every page is drawn at 300 dpi
ML=225 MR=2325           # 0.75 inch margins
INK_PRINT='#000000'

check_tools() {
    local t f
    for t in convert zint awk sha256sum xargs; do
        command -v "$t" >/dev/null || { echo "generate-corpus.sh: $t not found" >&2; exit 1; }
    done
    for f in "$SANS" "$SANS_B" "$SANS_C" "$SANS_CB" "$SERIF" "$SERIF_B" "$SERIF_I" "${HW_FONTS[@]}"; do
        [[ -f $f ]] || { echo "generate-corpus.sh: missing font $f" >&2; exit 1; }
    done
}

# =============================================================================================
# Deterministic random numbers (31-bit LCG, as in samples/generate.sh)
# =============================================================================================
RNG=1
srand() { RNG=$1; }
rnd() {   # rnd LO HI -> R, an integer in [LO, HI]
    RNG=$(( (RNG * 1103515245 + 12345) & 2147483647 ))
    R=$(( $1 + (RNG >> 8) % ($2 - $1 + 1) ))
}
pick() {  # pick WORD... -> R, one of the words
    rnd 1 $#; R=${!R}
}
pct() {   # pct P -> true with probability P percent
    rnd 0 99; (( R < $1 ))
}
dec() {   # dec N -> D, the string N/10 with one decimal ("-1.5")
    local n=$1 s=''
    (( n < 0 )) && { s='-'; n=$(( -n )); }
    D="$s$(( n / 10 )).$(( n % 10 ))"
}

# =============================================================================================
# Names. Lists are ordered roughly by frequency: draws favour the front (see pick_name).
# =============================================================================================
FAMILIES=( Johnson Williams Brown Jones Miller Davis Rodriguez Martinez Hernandez Lopez Wilson
  Anderson Taylor Thomas Moore Jackson Martin Lee Perez White Harris Sanchez Clark Ramirez Lewis
  Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker
  Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards
  Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson
  Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett
  Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez
  Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher
  Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace
  "O'Brien" "O'Connor" "O'Neill" "O'Sullivan" "D'Angelo" "D'Souza" "O'Hara" "O'Malley"
  McDonald MacKenzie McCarthy MacLean Tran Pham Le Hoang Vu Huynh Chen Wang Zhang Liu Yang Huang
  Zhao Wu Zhou Park Choi Jung Kang Yoon Shah Singh Kumar Gupta Mehta Iyer Reddy Okafor Adeyemi
  Mensah Okonkwo Abubakar Haddad Khalil Nasser Farouk Kowalczyk Nowak Wisniewski Lewandowski
  Schmidt Schneider Fischer Weber Wagner Becker Hoffmann Larsen Johansson Lindberg Nilsson Berg
  Dubois Lefebvre Moreau Laurent Rossi Russo Ferrari Esposito Bianchi Romano Costa Silva Santos
  Oliveira Pereira Ferreira Kuznetsov Popov Sokolova Ivanov Petrova Novak Horvat Kovacs Nagy
  Yilmaz Demir Papadopoulos Georgiou Cohen Levi Friedman Goldstein Katz Abernathy Blackwood
  Calloway Drummond Fairbanks Galloway Hargrove Kingsley Lockhart Whitfield Ashworth Pemberton )
GIVEN_F=( Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy
  Betty Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah
  Stephanie Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela
  Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather
  Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea
  Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail
  Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly
  Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie Mary-Kate Anne-Marie
  Thi Mai Lan Hoa Mei Xiu Ying Ji-woo Seo-yeon Priya Ananya Aisha Fatima Chioma Ngozi Amara
  Ingrid Astrid Sofia Lucia Carmen Rosa Guadalupe Yolanda Agnieszka Katarzyna Olga Svetlana Elif )
GIVEN_M=( James Robert John Michael David William Richard Joseph Thomas Charles Christopher Daniel
  Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald
  Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon
  Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam
  Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger Terry
  Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel
  Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason
  Philip Louis Jean-Luc Jean-Paul Minh Duc Quang Wei Jun Hao Min-jun Ji-ho Arjun Rahul Vikram
  Omar Yusuf Tariq Chinedu Emeka Kwame Tunde Lars Anders Mikael Luca Marco Giovanni Pedro Diego
  Mateo Tomasz Piotr Dmitri Sergei Mehmet Emre Yosef Ari )
PHYSICIANS=( 'Adaeze Nwosu' 'Thomas Albrecht' 'Priya Raman' 'Gregory Lindholm' 'Helen Marchetti'
  'Kwame Mensah' 'Sarah Feldman' 'Victor Dubois' 'Mei Lin Chao' 'Robert Castillo'
  'Ingrid Solberg' 'Omar Haddadin' )

pick_tri() {  # pick_tri N -> R in [0, N-1], favouring small values (common names first)
    local a b
    rnd 0 $(( $1 - 1 )); a=$R; rnd 0 $(( $1 - 1 )); b=$R
    R=$(( a < b ? a : b ))
}
pick_name() {  # pick_name SEX -> NF NG NM (family, given, middle)
    if [[ $1 == M ]]; then local -n list=GIVEN_M; else local -n list=GIVEN_F; fi
    pick_tri ${#FAMILIES[@]}; NF=${FAMILIES[$R]}
    if pct 4; then rnd 0 $(( ${#FAMILIES[@]} - 1 )); [[ ${FAMILIES[$R]} != "$NF" ]] && NF="$NF-${FAMILIES[$R]}"; fi
    pick_tri ${#list[@]}; NG=${list[$R]}
    NM=''
    if pct 55; then rnd 0 $(( ${#list[@]} - 1 )); [[ ${list[$R]} != "$NG" ]] && NM=${list[$R]}; fi
    return 0
}

# =============================================================================================
# Dates: ISO "YYYY-MM-DD" helpers and the written spellings
# =============================================================================================
MONTHS=(x January February March April May June July August September October November December)
MON3=(x Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
MDAYS=(x 31 28 31 30 31 30 31 31 30 31 30 31)
rand_date() {  # rand_date YEAR_LO YEAR_HI -> D (ISO)
    local y m d
    rnd "$1" "$2"; y=$R; rnd 1 12; m=$R; rnd 1 "${MDAYS[$m]}"; d=$R
    printf -v D '%04d-%02d-%02d' "$y" "$m" "$d"
}
# fmt_date ISO STYLE -> D, the date as written
#   0 03/14/1952   1 3/14/1952   2 3-14-52    3 March 14, 1952   4 14 Mar 1952
#   5 1952-03-14   6 Mar. 14, 1952   7 3/14/52   8 03-14-1952
DATE_STYLE_NAMES=( 'MM/DD/YYYY' 'M/D/YYYY' 'M-D-YY' 'Month D, YYYY' 'D Mon YYYY' 'YYYY-MM-DD'
                   'Mon. D, YYYY' 'M/D/YY' 'MM-DD-YYYY' )
fmt_date() {
    local y=${1:0:4} m=$((10#${1:5:2})) d=$((10#${1:8:2}))
    case $2 in
        0) D="${1:5:2}/${1:8:2}/$y" ;;
        1) D="$m/$d/$y" ;;
        2) D="$m-$d-${y:2}" ;;
        3) D="${MONTHS[$m]} $d, $y" ;;
        4) D="$d ${MON3[$m]} $y" ;;
        5) D=$1 ;;
        6) D="${MON3[$m]}. $d, $y"; [[ $m == 5 ]] && D="May $d, $y" ;;
        7) D="$m/$d/${y:2}" ;;
        8) D="${1:5:2}-${1:8:2}-$y" ;;
    esac
    return 0
}
pick_dob_style() {  # pick_dob_style ISO -> R, a spelling; two-digit years only after 1930
    rnd 0 8
    if (( R == 2 || R == 7 )) && (( 10#${1:0:4} < 1930 )); then R=0; fi
}

# =============================================================================================
# The roster: look-alike groups first (fixed), then ordinary patients up to ROSTER_N.
# =============================================================================================
ROSTER_SEED=24601
declare -a P_MRN P_FAM P_GIV P_MID P_DOB P_SEX P_PHYS P_TAG
declare -A USED_MRN BY_MRN BY_NAME BY_DOB
NP=0
add_patient() {  # add_patient MRN FAM GIV MID DOB SEX TAG -> I (index)
    local i=$NP
    P_MRN[i]=$1 P_FAM[i]=$2 P_GIV[i]=$3 P_MID[i]=$4 P_DOB[i]=$5 P_SEX[i]=$6 P_TAG[i]=$7
    rnd 0 $(( ${#PHYSICIANS[@]} - 1 )); P_PHYS[i]="Dr. ${PHYSICIANS[$R]}"
    USED_MRN[$1]=1 BY_MRN[$1]=$i
    local k="${2,,}|${3,,}"
    BY_NAME[$k]="${BY_NAME[$k]:-} $i"
    BY_DOB[$5]="${BY_DOB[$5]:-} $i"
    NP=$(( NP + 1 )); I=$i
}
rand_mrn() {  # -> M, an unused 8-digit MRN (leading zeros happen)
    local a b
    while :; do
        rnd 0 9999; a=$R; rnd 0 9999; b=$R
        printf -v M '%04d%04d' "$a" "$b"
        [[ -z ${USED_MRN[$M]:-} ]] && return 0
    done
}
rand_sex() { pick F M; SX=$R; }

# look-alike pools: each entry is "I J" (two roster indexes)
TWINS=() SAMENAME=() SWAPDOB=() MRN1=() IDENTICAL=() FAMILY=()
make_roster() {
    local n=$1 i j k m m2 pos dg dob dob2 y mo d fam giv g2 mid sx
    srand "$ROSTER_SEED"
    # twins: same family name and birth date, different given names, MRNs one apart
    for (( k = 0; k < 8; k++ )); do
        while :; do rand_mrn; [[ ${M:7:1} != 9 ]] || continue
            m2="${M:0:7}$(( ${M:7:1} + 1 ))"; [[ -z ${USED_MRN[$m2]:-} ]] && break; done
        rand_sex; pick_name "$SX"; fam=$NF; rand_date 1988 2019; dob=$D
        add_patient "$M" "$fam" "$NG" "$NM" "$dob" "$SX" twin; i=$I
        while :; do rand_sex; pick_name "$SX"; [[ $NG != "${P_GIV[i]}" ]] && break; done
        add_patient "$m2" "$fam" "$NG" "$NM" "$dob" "$SX" twin; TWINS+=( "$i $I" )
    done
    # same name, other birth date
    for (( k = 0; k < 10; k++ )); do
        rand_sex; sx=$SX; pick_name "$sx"; fam=$NF; giv=$NG
        rand_mrn; rand_date 1930 1975; add_patient "$M" "$fam" "$giv" "$NM" "$D" "$sx" samename; i=$I
        rand_mrn; rand_date 1976 2005; pick_name "$sx"; add_patient "$M" "$fam" "$giv" "$NM" "$D" "$sx" samename
        SAMENAME+=( "$i $I" )
    done
    # same name, birth dates that are each other's day/month swap
    for (( k = 0; k < 6; k++ )); do
        rand_sex; sx=$SX; pick_name "$sx"; fam=$NF; giv=$NG
        rnd 1935 2010; y=$R; rnd 1 12; mo=$R; while :; do rnd 1 12; d=$R; (( d != mo )) && break; done
        printf -v dob '%04d-%02d-%02d' "$y" "$mo" "$d"; printf -v dob2 '%04d-%02d-%02d' "$y" "$d" "$mo"
        rand_mrn; add_patient "$M" "$fam" "$giv" "$NM" "$dob" "$sx" swapdob; i=$I
        rand_mrn; pick_name "$sx"; add_patient "$M" "$fam" "$giv" "$NM" "$dob2" "$sx" swapdob
        SWAPDOB+=( "$i $I" )
    done
    # MRNs one digit apart, otherwise unrelated people
    for (( k = 0; k < 8; k++ )); do
        while :; do rand_mrn; rnd 2 7; pos=$R; rnd 1 9; dg=$(( (${M:pos:1} + R) % 10 ))
            m2="${M:0:pos}$dg${M:pos+1}"; [[ -z ${USED_MRN[$m2]:-} ]] && break; done
        m=$M
        rand_sex; pick_name "$SX"; rand_date 1930 2015; add_patient "$m" "$NF" "$NG" "$NM" "$D" "$SX" mrn1; i=$I
        rand_sex; pick_name "$SX"; rand_date 1930 2015; add_patient "$m2" "$NF" "$NG" "$NM" "$D" "$SX" mrn1
        MRN1+=( "$i $I" )
    done
    # two patients with the same name AND birth date (only the MRN tells them apart)
    for (( k = 0; k < 3; k++ )); do
        rand_sex; sx=$SX; pick_name "$sx"; fam=$NF; giv=$NG; rand_date 1940 2000; dob=$D
        rand_mrn; add_patient "$M" "$fam" "$giv" "$NM" "$dob" "$sx" identical; i=$I
        rand_mrn; pick_name "$sx"; add_patient "$M" "$fam" "$giv" "$NM" "$dob" "$sx" identical
        IDENTICAL+=( "$i $I" )
    done
    # parent and child, both patients (for letters whose writer is a patient too)
    for (( k = 0; k < 4; k++ )); do
        rand_sex; pick_name "$SX"; fam=$NF; rand_date 1950 1975; dob=$D
        rand_mrn; add_patient "$M" "$fam" "$NG" "$NM" "$dob" "$SX" parent; i=$I
        rnd 24 36; y=$(( 10#${dob:0:4} + R )); rand_date "$y" "$y"
        rand_sex; pick_name "$SX"; rand_mrn; add_patient "$M" "$fam" "$NG" "$NM" "$D" "$SX" child
        FAMILY+=( "$i $I" )
    done
    # everybody else
    while (( NP < n )); do
        rand_sex; pick_name "$SX"; rand_date 1925 2022; rand_mrn
        add_patient "$M" "$NF" "$NG" "$NM" "$D" "$SX" ''
    done
}
write_roster() {  # write_roster FILE - sorted by MRN, like an export
    local i
    {
        echo 'mrn,family_name,given_name,middle_name,birth_date,sex,physician'
        for (( i = 0; i < NP; i++ )); do
            printf '%s,%s,%s,%s,%s,%s,%s\n' "${P_MRN[i]}" "${P_FAM[i]}" "${P_GIV[i]}" "${P_MID[i]}" \
                "${P_DOB[i]}" "${P_SEX[i]}" "${P_PHYS[i]}"
        done | sort
    } > "$1"
}

# =============================================================================================
# Ground truth from the roster: which patients agree with what a document carries.
#   truth_of FAM GIV DOB MRN (empty = not on the page) -> T_STATUS filed|review, T_IDX
# A patient qualifies when >= 2 carried identifiers agree with them and none disagrees; the
# document is filed only when exactly one patient qualifies.  (Name = family + given name.)
# =============================================================================================
truth_of() {
    local fam=$1 giv=$2 dob=$3 mrn=$4 i agree dis n=0 cands=''
    [[ -n $fam ]] && cands+=" ${BY_NAME[${fam,,}|${giv,,}]:-}"
    [[ -n $dob ]] && cands+=" ${BY_DOB[$dob]:-}"
    [[ -n $mrn ]] && cands+=" ${BY_MRN[$mrn]:-}"
    T_STATUS=review T_IDX=''
    for i in $(printf '%s\n' $cands | sort -un); do
        agree=0 dis=0
        if [[ -n $fam ]]; then
            if [[ ${P_FAM[i],,} == "${fam,,}" && ${P_GIV[i],,} == "${giv,,}" ]]; then agree=$(( agree + 1 )); else dis=$(( dis + 1 )); fi
        fi
        if [[ -n $dob ]]; then
            if [[ ${P_DOB[i]} == "$dob" ]]; then agree=$(( agree + 1 )); else dis=$(( dis + 1 )); fi
        fi
        if [[ -n $mrn ]]; then
            if [[ ${P_MRN[i]} == "$mrn" ]]; then agree=$(( agree + 1 )); else dis=$(( dis + 1 )); fi
        fi
        if (( agree >= 2 && dis == 0 )); then n=$(( n + 1 )); T_IDX=$i; fi
    done
    if (( n == 1 )); then T_STATUS=filed; else T_IDX=''; fi
}

# =============================================================================================
# Page drawing (the technique of samples/generate.sh). A page is an array P of `convert`
# arguments, turned into a scan by a finish_* function.
# =============================================================================================
PAPER=white INK='#16162c'
HAND_TILT=22 HAND_SLOPE=12 HAND_JIT=8    # the writer's hand: word tilt, line slope (tenths of a
                                         # degree), size jitter (tenths of a point)
page_begin() {
    P=( -size "${W}x${H}" "xc:$PAPER" -density 300 -units PixelsPerInch -gravity NorthWest )
}
# txt X Y FONT PT TEXT [COLOUR] - printed text, top-left of the text box at X,Y
txt() { P+=( -font "$3" -pointsize "$4" -fill "${6:-$INK_PRINT}" -stroke none -annotate "+$1+$2" "$5" ); }
# para X Y FONT PT COLS LINE_H TEXT - printed paragraph wrapped at COLS characters; sets Y_END
para() {
    local x=$1 y=$2 line
    while IFS= read -r line; do
        txt "$x" "$y" "$3" "$4" "$line"
        y=$(( y + $6 ))
    done < <(printf '%s\n' "$7" | fold -s -w "$5")
    Y_END=$y
}
rule() { P+=( -stroke "${4:-$INK_PRINT}" -strokewidth "${5:-3}" -fill none -draw "line $1,$2 $3,$2" -stroke none ); }
vline() { P+=( -stroke "${4:-$INK_PRINT}" -strokewidth "${5:-2}" -fill none -draw "line $1,$2 $1,$3" -stroke none ); }
rect() { P+=( -stroke "${5:-$INK_PRINT}" -strokewidth "${6:-3}" -fill none -draw "rectangle $1,$2 $3,$4" -stroke none ); }
fillrect() { P+=( -stroke none -fill "$5" -draw "rectangle $1,$2 $3,$4" ); }

# textw FONT PT TEXT -> TW, rendered width in pixels at 300 dpi; cached in memory and in
# $WIDTHS (shared by the workers; a width does not depend on who measured it)
declare -A TWC
WIDTHS=''
load_widths() {
    local k v
    [[ -n $WIDTHS && -f $WIDTHS ]] || return 0
    while IFS=$'\t' read -r k v; do TWC[$k]=$v; done < "$WIDTHS"
}
textw() {
    local k="$1|$2|$3"
    if [[ -z ${TWC[$k]:-} ]]; then
        TWC[$k]=$(convert -density 300 -font "$1" -pointsize "$2" label:"$3" -format %w info:)
        [[ -n $WIDTHS ]] && printf '%s\t%s\n' "$k" "${TWC[$k]}" >> "$WIDTHS"
    fi
    TW=${TWC[$k]}
}
txt_c() { textw "$2" "$3" "$4"; txt $(( (W - TW) / 2 )) "$1" "$2" "$3" "$4" "${5:-}"; }   # centred
txt_r() { textw "$3" "$4" "$5"; txt $(( $1 - TW )) "$2" "$3" "$4" "$5" "${6:-}"; }        # right-aligned at X

# hw X Y FONT PT INK TEXT - handwriting: each word a little bigger or smaller, tilted, lifted,
# unevenly spaced; the line gets a slope. X is the left end, Y roughly the baseline.
hw() {
    local x=$1 y=$2 font=$3 pt=$4 ink=$5 text=$6 word first=1 ps ang lift
    local -a words
    read -ra words <<< "$text"
    (( ${#words[@]} )) || return 0
    rnd -8 8; x=$(( x + R )); rnd -6 6; y=$(( y + R - HW_BASE[$font] * pt / 10 - 14 ))
    P+=( '(' -background none -fill "$ink" -stroke none )
    for word in "${words[@]}"; do
        if (( first )); then first=0; else rnd $(( pt + 4 )) $(( pt * 2 + 10 )); P+=( '(' -size "${R}x4" xc:none ')' ); fi
        rnd "-$HAND_JIT" "$HAND_JIT"; dec $(( pt * 10 + R )); ps=$D
        rnd "-$HAND_TILT" "$HAND_TILT"; dec "$R"; ang=$D
        rnd 0 10; lift=$R
        P+=( '(' +size -font "$font" -pointsize "$ps" "label:$word" -rotate "$ang" -gravity South -splice "0x$lift" ')' )
    done
    rnd "-$HAND_SLOPE" "$HAND_SLOPE"; dec "$R"
    P+=( -gravity South +append -rotate "$D" ')' -gravity NorthWest -geometry "+$x+$y" -composite )
}
# hw_lines X Y FONT PT INK LINE_H TEXT - handwritten lines (Y: first baseline), wandering margin;
# a line starting with spaces is indented; sets Y_END
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
# checkbox X Y LABEL [checked] - a printed box, ticked by hand when asked
checkbox() {
    rect "$1" "$2" $(( $1 + 36 )) $(( $2 + 36 ))
    txt $(( $1 + 55 )) $(( $2 - 4 )) "$SANS" 10 "$3"
    if [[ ${4:-} == checked ]]; then
        rnd -4 4
        P+=( -stroke "$INK" -strokewidth 6 -fill none
             -draw "polyline $(( $1 + 4 )),$(( $2 + 18 + R )) $(( $1 + 16 )),$(( $2 + 36 )) $(( $1 + 46 + R )),$(( $2 - 12 ))" -stroke none )
    fi
    return 0
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
hole_punches() {
    local y
    for y in 600 1650 2700; do P+=( -fill black -draw "circle 95,$y 95,$(( y + 42 ))" ); done
}

# ---------------------------------------------------------------------------------------------
# Finishing: the drawn page becomes a scan
# ---------------------------------------------------------------------------------------------
TIFF_OPTS=( -strip -define tiff:fill-order=msb -compress Group4 )
# finish_bilevel OUT SEED SKEW_TENTHS DPI ROTATE NOISE - 1-bit G4 TIFF, skewed, specked, ragged
finish_bilevel() {
    local out=$1 seed=$2 dpi=$4 rot=$5 skew
    local -a post=()
    dec "$3"; skew=$D
    srand "$seed"; speckle "$6"
    (( dpi != 300 )) && post+=( -filter Triangle -resize "$(( 100 * dpi / 300 ))%" )
    post+=( -seed "$seed" -channel R -random-threshold 35x75% -separate +channel )
    (( rot )) && post+=( -rotate "$rot" )
    convert -respect-parentheses "${P[@]}" -channel R -separate +channel \
        -background white -virtual-pixel background -filter point -interpolate bilinear \
        -distort SRT "$skew" +filter +repage \
        "${post[@]}" +repage -type grayscale -units PixelsPerInch -density "$dpi" "${TIFF_OPTS[@]}" "$out"
}
# finish_grey OUT SEED SKEW_TENTHS DPI ROTATE NOISE - 8-bit greyscale PNG, 16 grey levels
finish_grey() {
    local out=$1 seed=$2 dpi=$4 rot=$5 skew
    local -a post=()
    dec "$3"; skew=$D
    srand "$seed"; speckle "$6"
    (( dpi != 300 )) && post+=( -filter Triangle -resize "$(( 100 * dpi / 300 ))%" )
    (( rot )) && post+=( -rotate "$rot" )
    convert -respect-parentheses "${P[@]}" -channel R -separate +channel \
        -background '#f2f2f2' -virtual-pixel background -filter point -interpolate bilinear \
        -distort SRT "$skew" +filter +repage \
        -blur 0x0.6 -level 4%,96% +level 6%,94% -posterize 16 "${post[@]}" +repage \
        -depth 8 -type Grayscale -units PixelsPerInch -density "$dpi" \
        -strip -define png:exclude-chunks=date,time -define png:compression-level=9 \
        -define png:color-type=0 -define png:bit-depth=8 "PNG:$out"
}
# finish_color OUT SEED SKEW_TENTHS DPI ROTATE - colour JPEG that looks like a phone photo
finish_color() {
    local out=$1 seed=$2 dpi=$4 rot=$5 skew w h
    local -a post=()
    dec "$3"; skew=$D
    w=$(( 2550 * dpi / 300 )) h=$(( 3300 * dpi / 300 ))
    (( rot )) && post+=( -rotate "$rot" )
    convert -respect-parentheses "${P[@]}" -filter Triangle -resize "${w}x${h}" \
        -background '#5a5650' -gravity center -extent "$(( w * 104 / 100 ))x$(( h * 103 / 100 ))" +repage \
        -virtual-pixel background -filter point -interpolate bilinear -distort SRT "$skew" \
        -distort Perspective "0,0 $(( w / 60 )),$(( h / 120 ))  $(( w * 104 / 100 )),0 $(( w * 102 / 100 )),$(( h / 55 ))  0,$(( h * 103 / 100 )) $(( w / 38 )),$(( h * 102 / 100 ))  $(( w * 104 / 100 )),$(( h * 103 / 100 )) $(( w * 101 / 100 )),$(( h * 101 / 100 ))" +filter \
        '(' -size "$(( w * 104 / 100 ))x$(( h * 103 / 100 ))" radial-gradient:'#ffffff'-'#a0a0a0' ')' -compose Multiply -composite -compose Over \
        -blur 0x0.5 -seed "$seed" -attenuate 0.3 +noise Gaussian \
        -resize "${w}x${h}!" "${post[@]}" +repage -units PixelsPerInch -density "$dpi" \
        -strip -sampling-factor 2x2 -quality 64 "$out"
}
# finish_page OUT_BASE - the current page P as the document's format; sets PAGE_FILE
finish_page() {
    local seed=$(( SEED + PAGE_NO * 17 ))
    case $FMT in
        tif) PAGE_FILE=$1.tif; finish_bilevel "$PAGE_FILE" "$seed" "$SKEW" "$DPI" "$PAGE_ROT" "$NOISE" ;;
        png) PAGE_FILE=$1.png; finish_grey "$PAGE_FILE" "$seed" "$SKEW" "$DPI" "$PAGE_ROT" "$NOISE" ;;
        jpg) PAGE_FILE=$1.jpg; finish_color "$PAGE_FILE" "$seed" "$SKEW" "$DPI" "$PAGE_ROT" ;;
    esac
}

# =============================================================================================
# Letterheads: five hospitals, each with its own style; four outside practices for letters
# =============================================================================================
HOSP_NAME=( 'ST. BRIGID MEDICAL CENTER' 'Lakeshore Regional Health' 'MERCY VALLEY HOSPITAL'
            'Cedar Hill University Hospital' 'Northgate Family Health Clinic' )
HOSP_ADDR=( '400 Harbor Street, Port Ellis, ME 04000  -  Medical Records Department'
            'Health Information Services  |  77 Shoreline Drive, Kenmare, WI 53000'
            '2150 Valley Parkway, Dunmore, PA 18500   Tel (570) 555-0100   Fax (570) 555-0199'
            'Department of Medicine, 1 University Circle, Cedar Hill, NC 27000'
            '318 Northgate Avenue, Suite 2, Fairview, OR 97000' )
OUTSIDE_NAME=( 'Pinecrest Cardiology Associates' 'BAYVIEW ORTHOPAEDIC GROUP' 'Summit Pulmonary & Sleep Medicine'
               'Harbor Light Home Health Services' )
OUTSIDE_ADDR=( '12 Pinecrest Lane, Suite 300, Port Ellis, ME 04001  -  (207) 555-0142'
               '880 Bayview Road, Kenmare, WI 53002  -  Phone 608-555-0177'
               '45 Summit Street, Dunmore, PA 18512  -  (570) 555-0123'
               'PO Box 219, Fairview, OR 97002  -  (541) 555-0164' )

# letterhead H - hospital H's heading; sets Y_END (first free y)
letterhead() {
    local h=$1
    case $h in
        0)  txt_c 120 "$SERIF_B" 15 "${HOSP_NAME[0]}"
            txt_c 200 "$SANS" 8 "${HOSP_ADDR[0]}"
            rule "$ML" 258 "$MR" "$INK_PRINT" 3; rule "$ML" 268 "$MR" "$INK_PRINT" 2
            Y_END=310 ;;
        1)  P+=( -fill black -stroke none -draw "circle $(( ML + 60 )),175 $(( ML + 60 )),115"
                 -fill white -draw "rectangle $(( ML + 48 )),135 $(( ML + 72 )),215"
                 -draw "rectangle $(( ML + 20 )),163 $(( ML + 100 )),187" )
            txt $(( ML + 150 )) 118 "$SANS_B" 16 "${HOSP_NAME[1]}"
            txt $(( ML + 150 )) 200 "$SANS" 8 "${HOSP_ADDR[1]}"
            rule "$ML" 268 "$MR" "$INK_PRINT" 2
            Y_END=310 ;;
        2)  fillrect 0 80 "$W" 220 black
            txt "$ML" 108 "$SANS_B" 17 "${HOSP_NAME[2]}" white
            txt_r "$MR" 238 "$SANS" 7 "${HOSP_ADDR[2]}"
            Y_END=320 ;;
        3)  txt_r "$MR" 110 "$SERIF_B" 14 "${HOSP_NAME[3]}"
            txt_r "$MR" 180 "$SERIF_I" 8 "${HOSP_ADDR[3]}"
            txt "$ML" 120 "$SANS" 8 'Health Information'
            txt "$ML" 160 "$SANS" 8 'Management'
            rule "$ML" 245 "$MR" "$INK_PRINT" 2
            Y_END=290 ;;
        4)  fillrect 0 95 "$W" 205 '#c8c8c8'
            txt "$ML" 112 "$SANS_CB" 15 "${HOSP_NAME[4]}"
            txt "$ML" 222 "$SANS" 8 "${HOSP_ADDR[4]}"
            Y_END=300 ;;
    esac
}
# small_letterhead H - a chart page's one-line hospital heading at the top left; Y_END
small_letterhead() {
    txt "$ML" 120 "$SERIF_B" 11 "${HOSP_NAME[$1]}"
    txt "$ML" 180 "$SANS" 7 "${HOSP_ADDR[$1]}"
    Y_END=240
}
# title Y TEXT [left|centre] - the form or page title; Y_END
title() {
    if [[ ${3:-centre} == left ]]; then txt "$ML" "$1" "$SANS_B" "${TITLE_PT:-15}" "$2"
    else txt_c "$1" "$SANS_B" "${TITLE_PT:-15}" "$2"; fi
    Y_END=$(( $1 + 110 ))
}
footer() { txt "$ML" 3140 "$SANS" 7 "$1"; }

# =============================================================================================
# Labelled fields. Label wording sets (name | DOB | MRN | physician | date) and four styles:
#   right  "Label: ____value____"           under  value on a rule, label in small print below
#   above  label in small print, value under    box    a ruled box with its label in the corner
# =============================================================================================
LABEL_SETS=(
    'Patient:|D.O.B.:|Medical Record No.:|Attending:|Date:'
    'Pt Name:|Birthdate:|MR#:|Provider:|Date Signed:'
    'Name of Patient:|Date of Birth:|Chart #:|Physician:|Today'"'"'s Date:'
    'PATIENT NAME|DATE OF BIRTH|MEDICAL RECORD NUMBER|ATTENDING PHYSICIAN|DATE'
    'Patient Name (Last, First):|DOB (mm/dd/yyyy):|MRN:|Provider:|Date:'
    'Name:|Birth Date:|Record #:|Doctor:|Signed on:'
)
labels() {  # labels SET -> L_NAME L_DOB L_MRN L_PHYS L_DATE
    IFS='|' read -r L_NAME L_DOB L_MRN L_PHYS L_DATE <<< "${LABEL_SETS[$1]}"
}
# field STYLE X Y X_END LABEL VALUE - one labelled field; a value is handwritten in the
# document's hand (HWF, HWP, INK); empty values stay blank
field_h() { case $1 in right) FH=130 ;; under) FH=160 ;; above) FH=170 ;; box) FH=150 ;; esac; }
field() {
    local st=$1 x=$2 y=$3 xe=$4 lab=$5 val=$6 vx
    case $st in
        right)
            txt "$x" "$y" "$SANS_B" 11 "$lab"; textw "$SANS_B" 11 "$lab"
            rule $(( x + TW + 14 )) $(( y + 56 )) "$xe" "$INK_PRINT" 2
            rnd 10 50; vx=$(( x + TW + 30 + R )); [[ -n $val ]] && hw "$vx" $(( y + 46 )) "$HWF" "$HWP" "$INK" "$val" ;;
        under)
            rule "$x" $(( y + 80 )) "$xe" "$INK_PRINT" 2
            txt "$x" $(( y + 90 )) "$SANS" 8 "$lab"
            rnd 20 90; [[ -n $val ]] && hw $(( x + R )) $(( y + 70 )) "$HWF" "$HWP" "$INK" "$val" ;;
        above)
            txt "$x" "$y" "$SANS" 9 "$lab"
            rule "$x" $(( y + 140 )) "$xe" "$INK_PRINT" 2
            rnd 20 90; [[ -n $val ]] && hw $(( x + R )) $(( y + 128 )) "$HWF" "$HWP" "$INK" "$val" ;;
        box)
            rect "$x" "$y" "$xe" $(( y + 150 )) "$INK_PRINT" 3
            txt $(( x + 14 )) $(( y + 10 )) "$SANS" 8 "$lab"
            rnd 30 90; [[ -n $val ]] && hw $(( x + R )) $(( y + 122 )) "$HWF" "$HWP" "$INK" "$val" ;;
    esac
    return 0
}
# id_block STYLE Y - the identifier block: name; DOB and MRN side by side; physician.
# Values V_NAME V_DOB V_MRN V_PHYS. Sets Y_END.
id_block() {
    local st=$1 y=$2 mid=1260
    field_h "$st"
    field "$st" "$ML" "$y" "$MR" "$L_NAME" "$V_NAME"; y=$(( y + FH ))
    field "$st" "$ML" "$y" $(( mid - 40 )) "$L_DOB" "$V_DOB"
    [[ $st == box ]] && mid=$(( mid - 40 ))
    field "$st" "$mid" "$y" "$MR" "$L_MRN" "$V_MRN"; y=$(( y + FH ))
    field "$st" "$ML" "$y" "$MR" "$L_PHYS" "$V_PHYS"; y=$(( y + FH ))
    Y_END=$(( y + 40 ))
}

# =============================================================================================
# Printed patient labels (stickers): four layouts, Code 128 / Code 39 / QR.
# Globals: S_FAM S_GIV S_MID S_DOB S_MRN S_SEX S_PHYS S_ADM S_ACCT, STK (layout), STK_CODE,
# STK_FONT; the barcode images are made in $TMP.
# =============================================================================================
barcode() {  # barcode -> BC, a PNG of the sticker's barcode
    local ht=30
    (( STK == 3 )) && ht=20
    BC=$TMP/bc-$S_MRN-$STK_CODE-$STK.png
    [[ -f $BC ]] && return 0
    case $STK_CODE in
        c128) zint -b CODE128 --scale=2 --height=$ht --notext --data="$S_MRN" -o "$BC" >/dev/null ;;
        c39)  zint -b CODE39 --scale=2 --height=26 --data="$S_MRN" -o "$BC" >/dev/null ;;
        qr)   if (( STK % 2 )); then
                  zint -b QRCODE --scale=4 --data="PID|$S_MRN|${S_FAM^^}^${S_GIV^^}|${S_DOB//-/}|$S_SEX" -o "$BC" >/dev/null
              else
                  zint -b QRCODE --scale=4 --data="MRN:$S_MRN DOB:$S_DOB" -o "$BC" >/dev/null
              fi ;;
    esac
}
# sticker X Y - the patient label, pasted slightly askew
sticker() {
    local x=$1 y=$2 f=$STK_FONT nm dob phys age
    local fam=${S_FAM^^} giv=${S_GIV^^} mi=${S_MID:0:1}
    age=$(( 2024 - 10#${S_DOB:0:4} ))
    phys=${S_PHYS#Dr. }; phys=${phys##* }
    barcode
    case $STK in
        0)  # FAMILY, GIVEN M / MRN / DOB, age, sex / attending; barcode along the bottom
            fmt_date "$S_DOB" 0
            P+=( '(' -size 900x430 xc:white -stroke black -strokewidth 3 -fill none
                 -draw "roundrectangle 2,2 897,427 24,24" -stroke none -fill black -font "$f" -pointsize 10
                 -gravity NorthWest
                 -annotate +30+22 "$fam, $giv${mi:+ ${mi^^}}"
                 -annotate +30+80 "MRN: $S_MRN"
                 -annotate +30+138 "DOB: $D   ${age}Y   $S_SEX"
                 -annotate +30+196 "ATT: ${phys^^}"
                 '(' "$BC" -filter point ')' -geometry +30+262 -composite ) ;;
        1)  # Given Family / DOB D-Mon-YYYY Sex / MR# and account number; Code 39 below
            fmt_date "$S_DOB" 4
            P+=( '(' -size 1000x400 xc:white -stroke black -strokewidth 2 -fill none
                 -draw "rectangle 1,1 998,398" -stroke none -fill black -font "$f" -pointsize 10
                 -gravity NorthWest
                 -annotate +26+18 "$S_GIV${S_MID:+ ${mi^^}.} $S_FAM"
                 -annotate +26+74 "DOB $D    Sex $S_SEX"
                 -annotate +26+130 "MR# $S_MRN   Acct $S_ACCT"
                 '(' "$BC" -filter point ')' -geometry +26+200 -composite ) ;;
        2)  # QR on the left; MRN first, then FAMILY, GIVEN, then DOB YYYY-MM-DD and admission
            P+=( '(' -size 940x380 xc:white -stroke black -strokewidth 3 -fill none
                 -draw "roundrectangle 2,2 937,377 18,18" -stroke none -fill black
                 '(' "$BC" -filter point ')' -gravity NorthWest -geometry +24+40 -composite
                 -font "$f" -pointsize 10
                 -annotate +300+30 "MRN $S_MRN"
                 -annotate +300+88 "$fam, $giv"
                 -annotate +300+146 "DOB: $S_DOB ($S_SEX)"
                 -font "$SANS" -pointsize 8
                 -annotate +300+214 "Adm: $S_ADM"
                 -annotate +300+262 "Dr. ${phys}" ) ;;
        3)  # wristband-style strip: name, sex, DOB on one line; MRN and attending; barcode right
            fmt_date "$S_DOB" 0
            P+=( '(' -size 1250x300 xc:white -stroke black -strokewidth 2 -fill none
                 -draw "roundrectangle 1,1 1248,298 40,40" -stroke none -fill black -font "$f" -pointsize 10
                 -gravity NorthWest
                 -annotate +40+26 "$fam, $giv   $S_SEX   DOB $D"
                 -annotate +40+84 "MRN $S_MRN    ATT Dr. ${phys^^}"
                 -font "$SANS" -pointsize 8 -annotate +40+146 "ADM $S_ADM  ACCT $S_ACCT"
                 '(' "$BC" -filter point ')' -geometry +880+170 -composite ) ;;
    esac
    rnd -12 12; dec "$R"
    P+=( -background none -rotate "$D" ')' -gravity NorthWest -geometry "+$x+$y" -composite )
}
sticker_size() {  # -> SW SH
    case $STK in 0) SW=900 SH=430 ;; 1) SW=1000 SH=400 ;; 2) SW=940 SH=380 ;; 3) SW=1250 SH=300 ;; esac
}

# =============================================================================================
# Text banks
# =============================================================================================
NOTE_BODIES=(
'S: c/o headache x 2 days, worse in AM.
No vision change, no fever.
O: BP 158/94  HR 76  afebrile. Neuro nonfocal.
A: HTN, poorly controlled. Tension HA.
P: amlodipine up to 10 mg daily.
Home BP log, return in 2 wks.'
'Pt seen on rounds. Slept well, pain 2/10.
Tolerating regular diet, passing flatus.
Abd soft, incision clean, dry, intact.
Afebrile overnight. WBC 9.1 (14.2).
Plan: d/c foley, ambulate TID, home
tomorrow if stable.'
'Follow up diabetes. A1c 8.9 (was 9.6).
Checking sugars twice a day, fasting 140s.
Feet: monofilament intact, no ulcers.
Increase glargine to 24 units at night.
Eye exam due - referral given.
RTC 3 months with labs.'
'Called to bedside for chest tightness.
EKG unchanged from admission, no ST change.
Troponin x2 negative. Pain resolved
after antacid. Likely reflux.
Cont. telemetry overnight, PPI daily.'
'Wound check L lower leg. Edges pink,
no drainage, mild erythema 1 cm.
Dressing changed, silver alginate.
Keep elevated. Cont. cephalexin,
day 4 of 7. Recheck Friday.'
'Post-op day 2. Pain controlled on oral
meds. Up in hall with walker x2.
Hgb 10.4, stable. Drain output 30 ml.
Remove drain today. PT/OT to see.
Discharge planning - daughter at home.'
'COPD exacerbation, improving. Less
wheeze, sats 93% on 2 L. Nebs q4h.
Prednisone day 3 of 5. Wean O2 as able,
goal 90-92%. Smoking cessation talked
about again - pt open to patch.'
'Fell at home, no LOC. Bruise R hip,
full ROM, able to bear weight. Xray
hip neg for fracture. Home safety
eval ordered. Vit D level pending.
Walker at all times until PT sees.'
'Anxious overnight, slept 3 hrs.
Asking about test results. Explained
CT shows no bleed. Family at bedside.
Melatonin 3 mg qhs PRN. Social work
consult for home support.'
'Here for BP recheck and med refill.
BP 128/78 today, feeling well.
No cough on losartan. Labs: K 4.2,
Cr 0.9. Refill x 90 days. Flu shot
given L deltoid. Next visit 6 months.'
)
ORDER_BODIES=(
'1. Admit to medical floor, telemetry
2. Vitals q4h, strict I and O
3. NPO after midnight for procedure
4. Heparin 5000 units subcut q8h
5. CBC, BMP, Mg in AM
6. Notify MD if SBP over 180'
'1. Ceftriaxone 1 g IV daily
2. Acetaminophen 650 mg PO q6h PRN
3. Incentive spirometer 10x/hr awake
4. Chest xray in AM
5. Diet: cardiac, 2 g sodium'
'D/C IV fluids
Advance diet as tolerated
Ambulate in hall TID
Discontinue foley catheter
Discharge home in AM if afebrile'
'1. Insulin lispro sliding scale AC+HS
2. Fingerstick glucose AC and HS
3. Hold metformin - contrast today
4. Dietitian consult
5. Fall precautions'
)
SOAP_S=( 'Cough x 1 week, low grade fever.' 'Knee pain after hiking, worse on stairs.'
         'Fatigue, poor sleep, low mood x 2 months.' 'Rash on both forearms x 5 days, itchy.'
         'Burning with urination x 3 days.' 'Dizzy when standing, since new BP pill.' )
SOAP_O=( 'T 100.1  lungs: scattered rhonchi' 'Mild effusion L knee, stable ligaments'
         'PHQ-9 score 14, alert, good eye contact' 'Papular rash, no vesicles, no fever'
         'Suprapubic tenderness, no CVA pain' 'BP lying 132/80 standing 108/70' )
SOAP_A=( 'Acute bronchitis' 'Patellofemoral pain' 'Moderate depression' 'Contact dermatitis'
         'Uncomplicated cystitis' 'Orthostatic hypotension' )
SOAP_P=( 'Fluids, honey, return if short of breath' 'Ice, quad strengthening, PT referral'
         'Start sertraline 50 mg, follow up 4 wks' 'Triamcinolone cream BID x 2 wks'
         'Nitrofurantoin 100 mg BID x 5 days' 'Stop chlorthalidone, recheck 2 wks' )
CHART_TITLES_HAND=( 'PROGRESS NOTES' 'Physician Progress Record' 'NURSING NOTES'
                    'Interdisciplinary Progress Notes' 'Daily Progress Note' )
CHART_TITLES_ORDER=( "PHYSICIAN'S ORDERS" 'Orders' 'Admission Orders' )
CHART_TITLES_CLINIC=( 'CLINIC VISIT NOTE' 'Office Visit' 'Outpatient Encounter' )
GRIDS=( 'DATE / TIME|NOTES (sign and date every entry)' 'Date|Progress Notes'
        'DATE|PROBLEM / NOTE / SIGNATURE' )

TYPED_TITLES=( 'DISCHARGE SUMMARY' 'CONSULTATION REPORT' 'OPERATIVE REPORT' 'EMERGENCY DEPARTMENT RECORD'
               'HISTORY AND PHYSICAL' )
typed_blocks() {  # typed_blocks T -> BLOCKS (array of '## heading' and paragraphs)
    case $1 in
        0) BLOCKS=( '## Diagnoses' 'Acute exacerbation of chronic obstructive pulmonary disease (J44.1). Hypertension (I10).'
                    '## Hospital Course' 'Admitted with increased dyspnea and wheeze over four days. Treated with nebulized bronchodilators, systemic corticosteroids and doxycycline. Oxygen was weaned to room air by the third day. Ambulated on the ward without desaturation before discharge.'
                    '## Discharge Medications' 'Prednisone 40 mg daily to complete five days. Tiotropium inhaler daily. Albuterol inhaler as needed. Amlodipine 5 mg daily.'
                    '## Follow-up' 'Primary care in one week. Pulmonary function tests in six weeks. Return for worsening breathlessness or fever.' ) ;;
        1) BLOCKS=( '## Reason for Consultation' 'New atrial fibrillation with rapid ventricular response noted on telemetry.'
                    '## Findings' 'Irregularly irregular rhythm at 128 per minute, blood pressure stable. Echocardiogram shows normal left ventricular function and a mildly dilated left atrium. Thyroid function is normal.'
                    '## Recommendations' 'Rate control with metoprolol, titrate to a resting rate below 110. Anticoagulation is recommended given the stroke risk score of 3; apixaban 5 mg twice daily if renal function allows. Outpatient cardiology follow-up in four weeks.' ) ;;
        2) BLOCKS=( '## Procedure' 'Laparoscopic appendectomy.' '## Anesthesia' 'General endotracheal.'
                    '## Findings' 'Inflamed, non-perforated appendix. No abscess. Small amount of clear free fluid.'
                    '## Description' 'Three ports were placed under direct vision. The mesoappendix was divided with the energy device and the base was secured with an endoscopic stapler. The specimen was removed in a bag. Hemostasis was confirmed. Fascia at the umbilical port was closed. Estimated blood loss 10 ml. The patient tolerated the procedure well.' ) ;;
        3) BLOCKS=( '## Chief Complaint' 'Laceration to the left hand from a kitchen knife.'
                    '## Course' 'A 3 cm laceration over the left thenar eminence with intact tendon function and sensation. Irrigated and repaired with five 4-0 nylon sutures under local anesthesia. Tetanus immunization updated.'
                    '## Disposition' 'Discharged home. Suture removal in 10 days. Return for redness, swelling, fever or numbness.' ) ;;
        4) BLOCKS=( '## Chief Complaint' 'Worsening shortness of breath and leg swelling for one week.'
                    '## History of Present Illness' 'Known heart failure with reduced ejection fraction. Reports a weight gain of six pounds, orthopnea on two pillows and reduced exercise tolerance. Admits to a salty diet over the holidays.'
                    '## Examination' 'Jugular venous pressure elevated, bibasilar crackles, 2+ pitting edema to the knees.'
                    '## Plan' 'Intravenous furosemide, daily weights, fluid restriction, and review of guideline-directed therapy before discharge.' ) ;;
    esac
}

RELEASE_TITLES=( 'AUTHORIZATION FOR DISCLOSURE OF PROTECTED HEALTH INFORMATION'
                 'Request for Release of Medical Records'
                 'CONSENT TO SHARE HEALTH INFORMATION'
                 'Patient Authorization - Use and Disclosure of Health Records'
                 'RELEASE OF LIABILITY'
                 'Refusal of Treatment and Release of Responsibility'
                 'Consent and Release for Photography and Recording' )
release_text() {  # release_text FORM -> TEXTS (array of paragraphs)
    case $1 in
        0|3) TEXTS=( 'By signing this form I allow the hospital to disclose the health information described above to the person or organization I have named. The information may include diagnoses, test results, treatment notes and, unless I cross them out, records about mental health, substance use and sexually transmitted infections.'
                     'This permission ends twelve months after the date I sign it, unless I end it sooner by writing to the medical records department. Ending it does not undo disclosures already made. My care will not depend on whether I sign.'
                     'Once disclosed, the information may be shared again by the person who receives it and may no longer be protected by federal law.' ) ;;
        1)   TEXTS=( 'Please send copies of the records checked below to the recipient named on this request. Copies are normally ready within ten business days. A reasonable copying fee may apply to requests that are not for continuing care.'
                     'I understand that I may cancel this request in writing at any time before the records are sent, and that a photocopy or fax of this form is as valid as the original.' ) ;;
        2)   TEXTS=( 'I agree that my health information may be shared with the people and practices listed on this form for the purpose shown. I may limit what is shared by writing the limits in the space provided.'
                     'This consent stays in effect until the date or event I write below, or for one year if I leave it blank. I may withdraw it in writing at any time.' ) ;;
        4|5) TEXTS=( 'I am refusing the treatment recommended to me and/or leaving the hospital before my physician advises it. The possible consequences, including the worsening of my illness, disability and death, have been explained to me in words I understand, and my questions have been answered.'
                     'I accept full responsibility for this decision and release the hospital, its medical staff, nurses and employees from any liability for harm that may result from it. I know I am welcome to come back for care at any time.' ) ;;
        6)   TEXTS=( 'I give permission for photographs, video or audio recordings to be made of me during my care for the purposes checked below. The recordings will be kept securely and will not show my face unless I agree here.'
                     'I may withdraw this consent at any time before the material is used, and I will not be paid for its use.' ) ;;
    esac
}

LETTER_CONCERNS=(
'Since coming home from the hospital SUBJ has been very tired and is hardly eating. The new water pill makes SUBJ_OBJ dizzy when getting up at night and we are worried about a fall.'
'SUBJ has been coughing at night for three weeks now and the inhaler does not seem to help much. We would like to know if SUBJ should come in sooner than the appointment in March.'
'The pharmacy says the prescription for the blood thinner ran out and they need a new one from the doctor. SUBJ only has pills left for four more days.'
'After the last visit SUBJ started the new pills for sugar but has had an upset stomach every day since. Can the dose be changed or is there something else to try?'
'SUBJ keeps forgetting whether the morning medicines were taken, and twice this week took them two times. I have bought a pill box but I would like the doctor to look at the list again.'
'We received a bill for the tests in October, but the insurance was supposed to cover them. Could someone please check the records and send a copy of the results to our new doctor?'
'SUBJ would like a copy of the records from the surgery in the spring for the new specialist. I have enclosed the form the specialist gave us.'
'The swelling in the legs is back and SUBJ has gained five pounds in a week even with the low salt food. SUBJ is short of breath on the stairs again.'
'Thank you for the good care last month. SUBJ is walking better every day with the walker and the physical therapist comes twice a week now.'
'SUBJ has a rash on both arms since starting the new antibiotic, and it itches a lot at night. Should SUBJ stop taking it?'
)
LETTER_CLOSINGS=( 'Sincerely,' 'Thank you,' 'With thanks,' 'Best regards,' 'Yours truly,' 'Kind regards,' )
REFERRAL_TEXTS=(
'Thank you for seeing this patient, whom I saw in my office today for exertional chest discomfort. The resting electrocardiogram shows no acute change and an exercise stress test was stopped early for fatigue. I would be grateful for your opinion on further evaluation, including whether coronary angiography is warranted.|Current medications are aspirin 81 mg daily, atorvastatin 40 mg nightly and lisinopril 20 mg daily. There are no known drug allergies.'
'I am writing to update you after the knee arthroscopy performed at our surgery center last month. Recovery has been uneventful and range of motion is now nearly full. Physical therapy will continue twice weekly for another four weeks.|Please continue the current anticoagulation plan and let us know if any concerns arise before the six-week review.'
'This patient was seen in our sleep clinic for loud snoring and daytime sleepiness. An overnight study showed moderate obstructive sleep apnea with an apnea-hypopnea index of 24 events per hour. We have started CPAP at an auto-titrating pressure.|We will review adherence data in eight weeks. Weight management and avoidance of evening alcohol were discussed.'
'Our nurses visited twice this week for wound care and medication review. The sacral wound is smaller and granulating well. The patient is eating better and walking short distances indoors with a walker.|We request renewed home health orders for another 30 days, and a review of the pain medication, which causes drowsiness in the afternoons.'
)

# =============================================================================================
# Page builders. Each draws one page into P from the plan's variables; finish_page scans it.
# =============================================================================================

# --- release forms ---------------------------------------------------------------------------
release_special() {  # the form's own fields after the identifier block; y in/out via Y_END
    local y=$1
    case $FORM in
        0|1|2|3)
            field right "$ML" "$y" "$MR" "$( ((FORM == 1)) && echo 'Send records to:' || echo 'Disclose to:')" "$V_TO"; y=$(( y + 130 ))
            field right "$ML" "$y" "$MR" 'Purpose:' "$V_PURPOSE"; y=$(( y + 150 ))
            txt "$ML" "$y" "$SANS_B" 10 'Records requested:'; y=$(( y + 70 ))
            checkbox "$ML" "$y" 'Complete record' "$(pct 30 && echo checked)"
            checkbox 900 "$y" 'Laboratory and imaging' checked
            checkbox 1650 "$y" 'Visit notes' "$(pct 50 && echo checked)"
            y=$(( y + 150 )) ;;
        4|5)
            field right "$ML" "$y" "$MR" 'Treatment refused / reason:' "$V_PURPOSE"; y=$(( y + 150 )) ;;
        6)
            txt "$ML" "$y" "$SANS_B" 10 'Recordings may be used for:'; y=$(( y + 70 ))
            checkbox "$ML" "$y" 'My medical record' checked
            checkbox 900 "$y" 'Teaching' "$(pct 50 && echo checked)"
            checkbox 1650 "$y" 'Publication' ''
            y=$(( y + 150 )) ;;
    esac
    Y_END=$y
}
signature_block() {  # signature_block Y - signature, date (L_DATE), relationship / printed name
    local y=$1
    [[ -n $V_SIGN ]] && signature 300 $(( y - 175 )) "$INK" "$V_SIGN"
    rule "$ML" $(( y + 40 )) 1450 "$INK_PRINT" 2
    txt "$ML" $(( y + 55 )) "$SANS" 8 'Signature of patient or legally authorized representative'
    field right 1530 $(( y - 16 )) "$MR" "$L_DATE" "$V_DATE"
    field right "$ML" $(( y + 170 )) "$MR" 'If signed by a representative, relationship:' "$V_REL"
    Y_END=$(( y + 320 ))
}
release_page() {  # release_page N
    local y i
    labels "$LSET"; release_text "$FORM"
    if (( $1 == 1 )); then
        letterhead "$HOSP"; y=$(( Y_END + 40 ))
        TITLE_PT=15; (( ${#RELEASE_TITLES[$FORM]} > 40 )) && TITLE_PT=12
        title "$y" "${RELEASE_TITLES[$FORM]}"; y=$Y_END
        if [[ $IDPOS == top ]]; then
            [[ $FSTYLE != box ]] && { txt "$ML" "$y" "$SANS_B" 10 'PATIENT INFORMATION'; y=$(( y + 80 )); }
            id_block "$FSTYLE" "$y"; y=$Y_END
        fi
        release_special "$y"; y=$Y_END
        for (( i = 0; i < ${#TEXTS[@]}; i++ )); do
            (( PAGES > 1 && i > 0 )) && break
            para "$ML" "$y" "$SERIF" 10 92 50 "${TEXTS[i]}"; y=$(( Y_END + 30 ))
        done
        if [[ $IDPOS == bottom ]]; then
            y=$(( y + 20 )); txt "$ML" "$y" "$SANS_B" 10 'PATIENT'; y=$(( y + 80 ))
            id_block "$FSTYLE" "$y"; y=$Y_END
        fi
        if (( PAGES == 1 )); then
            (( y < 2520 )) && y=2520
            signature_block $(( y + 120 ))
        else
            txt 2000 3080 "$SANS" 8 'Page 1 of 2'
        fi
    else
        small_letterhead "$HOSP"; y=$(( Y_END + 60 ))
        txt "$ML" "$y" "$SANS_B" 11 "${RELEASE_TITLES[$FORM]} (continued)"; y=$(( y + 110 ))
        field right "$ML" "$y" "$MR" "$L_NAME" "$V_NAME"; y=$(( y + 170 ))
        for (( i = 1; i < ${#TEXTS[@]}; i++ )); do
            para "$ML" "$y" "$SERIF" 10 92 50 "${TEXTS[i]}"; y=$(( Y_END + 30 ))
        done
        para "$ML" "$y" "$SERIF" 10 92 50 'I have read this form or had it read to me, and I have received a copy.'
        signature_block $(( Y_END + 320 ))
        txt 2000 3080 "$SANS" 8 'Page 2 of 2'
    fi
    footer "Form HIM-$(( 200 + FORM * 7 ))  rev. 2022"
}

# --- chart pages -----------------------------------------------------------------------------
# chart_top WITH_STICKER - heading, title and the label (or the empty label box) in the page's
# LAYOUT (A: label top right; B: letterhead, label under the title; C: label box at the bottom);
# sets Y_END (top of the content) and CONTENT_END
chart_top() {
    local with=$1 t=$2 y
    sticker_size
    case $LAYOUT in
        A)  small_letterhead "$HOSP"
            y=60; (( SW > 1000 )) && y=250          # a wide label goes under the heading
            if (( with )); then sticker $(( MR - SW )) "$y"; else placeholder $(( MR - SW )) "$y"; fi
            TITLE_PT=15; y=$(( y + SH + 40 )); (( y < 300 )) && y=300
            title "$y" "$t" left; Y_END=$(( Y_END + 10 )); CONTENT_END=3040 ;;
        B)  letterhead "$HOSP"; TITLE_PT=15; title $(( Y_END + 20 )) "$t"; y=$Y_END
            if (( with )); then sticker "$ML" "$y"; else placeholder "$ML" "$y"; fi
            Y_END=$(( y + SH + 50 )); CONTENT_END=3040 ;;
        C)  small_letterhead "$HOSP"; TITLE_PT=14; title 300 "$t" left
            txt "$ML" 2600 "$SANS_B" 8 'PATIENT IDENTIFICATION'
            if (( with )); then sticker "$ML" 2650; else placeholder "$ML" 2650; fi
            CONTENT_END=2560 ;;
    esac
}
placeholder() {  # placeholder X Y - the dashed "label here" box, with handwritten identity in it
    P+=( -stroke black -strokewidth 2 -fill none -draw "stroke-dasharray 18 12 rectangle $1,$2 $(( $1 + SW )),$(( $2 + SH ))" -stroke none )
    if [[ ${NL_STYLE:-} == 1 ]]; then
        hw $(( $1 + 40 )) $(( $2 + 120 )) "$HWF" "$HWP" "$INK" "$V_NAME"
        # (an if, not &&: a name-only box must not end the function false under set -e)
        if [[ -n $V_DOB ]]; then hw $(( $1 + 40 )) $(( $2 + 250 )) "$HWF" "$HWP" "$INK" "DOB $V_DOB"; fi
    else
        txt $(( $1 + 160 )) $(( $2 + SH / 2 - 30 )) "$SANS" 9 'PLACE PATIENT LABEL HERE'
    fi
}
# notes_grid Y_TOP Y_BOTTOM - ruled notes area with the GRID's columns; sets ROW_Y0 ROW_H COL_X
notes_grid() {
    local y c1 c2 c3='' x2=700
    IFS='|' read -r c1 c2 c3 <<< "${GRIDS[$GRID]}"
    ROW_Y0=$1 ROW_H=88
    rect "$ML" "$1" "$MR" "$2" "$INK_PRINT" 3
    fillrect $(( ML + 2 )) $(( $1 + 2 )) $(( MR - 2 )) $(( $1 + 70 )) '#e4e4e4'
    txt $(( ML + 20 )) $(( $1 + 14 )) "$SANS_B" 9 "$c1"
    txt $(( x2 + 20 )) $(( $1 + 14 )) "$SANS_B" 9 "$c2"
    vline "$x2" "$1" "$2" "$INK_PRINT" 2
    COL_X=$(( x2 + 30 ))
    for (( y = $1 + 72 + ROW_H; y < $2; y += ROW_H )); do rule "$ML" "$y" "$MR" '#505050' 2; done
}
hand_page() {  # hand_page WITH_STICKER TITLE BODY - a handwritten notes or orders page
    local body=$3 first
    chart_top "$1" "$2"
    notes_grid "$Y_END" "$CONTENT_END"
    if (( ! $1 )); then
        case $NL_STYLE in
            0) first="Pt: $V_NAME${V_DOB:+   DOB: $V_DOB}"; body="$first"$'\n'"$body" ;;
            3) first="Seen today: $V_NAME${V_DOB:+ (DOB $V_DOB)}"; body="$first"$'\n'"$body" ;;
        esac
    fi
    hw $(( ML + 15 )) $(( ROW_Y0 + 72 + ROW_H - 12 )) "$HWF" $(( HWP - 3 )) "$INK" "$V_DATE_NOTE"
    hw_lines "$COL_X" $(( ROW_Y0 + 72 + ROW_H - 12 )) "$HWF" "$HWP" "$INK" "$ROW_H" "$body

                   $SIGNER"
}
clinic_page() {  # clinic_page WITH_STICKER - an outpatient visit form with vitals and SOAP
    local y i lab
    local -a vit=( BP Pulse Temp Weight )
    chart_top "$1" "${CHART_TITLES_CLINIC[$(( TITLE_IDX % 3 ))]}"; y=$(( Y_END + 10 ))
    labels "$LSET"
    if (( ! $1 )); then
        field right "$ML" "$y" "$MR" "$L_NAME" "$V_NAME"; y=$(( y + 130 ))
        field right "$ML" "$y" "$MR" "$L_DOB" "$V_DOB"; y=$(( y + 130 ))
        field right "$ML" "$y" 1500 'Date of Service:' "$V_DATE_FORM"; y=$(( y + 150 ))
    else
        field right "$ML" "$y" 1300 'Date of Service:' "$V_DATE_FORM"; y=$(( y + 150 ))
    fi
    for i in 0 1 2 3; do
        rect $(( ML + i * 525 )) "$y" $(( ML + i * 525 + 500 )) $(( y + 140 ))
        txt $(( ML + i * 525 + 12 )) $(( y + 8 )) "$SANS" 8 "${vit[i]}"
    done
    rnd 0 5; i=$R
    hw $(( ML + 60 )) $(( y + 115 )) "$HWF" "$HWP" "$INK" "$(( 110 + i * 6 ))/$(( 70 + i * 3 ))"
    hw $(( ML + 585 )) $(( y + 115 )) "$HWF" "$HWP" "$INK" "$(( 64 + i * 5 ))"
    hw $(( ML + 1110 )) $(( y + 115 )) "$HWF" "$HWP" "$INK" "98.$i"
    hw $(( ML + 1635 )) $(( y + 115 )) "$HWF" "$HWP" "$INK" "$(( 120 + i * 17 )) lb"
    y=$(( y + 220 ))
    for lab in 'S' 'O' 'A' 'P'; do
        txt "$ML" "$y" "$SANS_B" 11 "$lab:"
        rule $(( ML + 80 )) $(( y + 56 )) "$MR" '#606060' 2
        rule $(( ML + 80 )) $(( y + 156 )) "$MR" '#606060' 2
        case $lab in
            S) hw $(( ML + 110 )) $(( y + 46 )) "$HWF" "$HWP" "$INK" "${SOAP_S[$BODY % 6]}" ;;
            O) hw $(( ML + 110 )) $(( y + 46 )) "$HWF" "$HWP" "$INK" "${SOAP_O[$BODY % 6]}" ;;
            A) hw $(( ML + 110 )) $(( y + 46 )) "$HWF" "$HWP" "$INK" "${SOAP_A[$BODY % 6]}" ;;
            P) hw $(( ML + 110 )) $(( y + 46 )) "$HWF" "$HWP" "$INK" "${SOAP_P[$BODY % 6]}" ;;
        esac
        y=$(( y + 240 ))
    done
    hw 1500 $(( y + 40 )) "$HWF" "$HWP" "$INK" "$SIGNER"
    footer "${HOSP_NAME[$HOSP]}  -  outpatient form OP-4"
}
typed_page() {  # typed_page - an EHR printout with the label; typed patient header sometimes
    local y blk
    chart_top 1 "${TYPED_TITLES[$TYPED]}"; y=$(( Y_END + 10 ))
    if (( TYPED_HDR )); then
        fmt_date "$S_DOB" 0
        txt "$ML" "$y" "$SANS" 10 "Patient: ${S_FAM^^}, ${S_GIV^^}     MRN: $S_MRN     DOB: $D"; y=$(( y + 58 ))
    fi
    txt "$ML" "$y" "$SANS" 10 "Date of Service: $V_DATE_TYPED     Attending: $S_PHYS"; y=$(( y + 90 ))
    typed_blocks "$TYPED"
    for blk in "${BLOCKS[@]}"; do
        if [[ $blk == '## '* ]]; then txt "$ML" "$y" "$SERIF_B" 11 "${blk#\#\# }"; y=$(( y + 62 ))
        else para "$ML" "$y" "$SERIF" 10 94 48 "$blk"; y=$(( Y_END + 26 )); fi
        (( y > CONTENT_END - 150 )) && break
    done
    txt "$ML" $(( y + 40 )) "$SANS" 9 "Electronically signed by $S_PHYS on $V_DATE_TYPED"
}
chart_page() {  # chart_page N - page N of a chart document (label or no label)
    local with=1 kind=$CHART
    [[ $KIND == nolabel ]] && with=0
    (( $1 > 1 )) && { kind=$CHART2; (( STK_ALL )) || with=0; }
    case $kind in
        hand)   hand_page "$with" "${CHART_TITLES_HAND[$TITLE_IDX]}" "${NOTE_BODIES[$(( (BODY + $1 - 1) % ${#NOTE_BODIES[@]} ))]}" ;;
        orders) hand_page "$with" "${CHART_TITLES_ORDER[$(( TITLE_IDX % 3 ))]}" "${ORDER_BODIES[$(( (BODY + $1) % ${#ORDER_BODIES[@]} ))]}" ;;
        clinic) clinic_page "$with" ;;
        typed)  typed_page ;;
    esac
    (( PAGES > 1 )) && txt 2000 3090 "$SANS" 8 "Page $1 of $PAGES"
    (( $1 == 1 && HOLES )) && hole_punches
    return 0
}

# --- letters -------------------------------------------------------------------------------
# letter_text -> LTEXT, the whole handwritten letter (lines), from the plan's L_* variables
letter_text() {
    local p1 p2 wrap=44
    (( HWP > 17 )) && wrap=38
    LTEXT=''
    [[ -n $V_DATE ]] && LTEXT+="                        $V_DATE"$'\n\n'
    [[ -n $L_RE ]] && LTEXT+="$L_RE"$'\n\n'
    LTEXT+="$L_SALUT"$'\n\n'
    p1="$L_IDENT $L_CONCERN"
    LTEXT+=$(printf '%s\n' "$p1" | fold -s -w "$wrap" | sed 's/ *$//')$'\n\n'
    if [[ -n $L_MORE ]]; then
        LTEXT+=$(printf '%s\n' "$L_MORE" | fold -s -w "$wrap" | sed 's/ *$//')$'\n\n'
    fi
    p2="$L_ASK"
    LTEXT+=$(printf '%s\n' "$p2" | fold -s -w "$wrap" | sed 's/ *$//')$'\n\n'
    LTEXT+="$L_CLOSE"$'\n'"$L_WRITER"
    [[ -n $L_WROTE ]] && LTEXT+=$'\n'"$L_WROTE"
    return 0
}
letter_page() {  # letter_page N - page N of the letter; lines split evenly over the pages
    local n total per from text lh=$(( HWP * 13 / 2 + 4 )) y
    letter_text
    total=$(printf '%s\n' "$LTEXT" | wc -l)
    per=$(( (total + PAGES - 1) / PAGES ))
    from=$(( ($1 - 1) * per + 1 ))
    text=$(printf '%s\n' "$LTEXT" | sed -n "${from},$(( from + per - 1 ))p")
    page_begin
    if (( LINED )); then
        for (( y = 330 + 10; y < 3150; y += lh )); do rule 120 "$y" 2430 '#b4b4b4' 2; done
        vline 250 100 3250 '#a0a0a0' 2
    fi
    (( $1 > 1 )) && hw 2100 220 "$HWF" "$HWP" "$INK" "- $1 -"
    hw_lines 290 330 "$HWF" "$HWP" "$INK" "$lh" "$text"
}

# --- typed letters from outside practices ----------------------------------------------------
referral_page() {
    local y i
    local -a paras
    txt "$ML" 130 "$SERIF_B" 14 "${OUTSIDE_NAME[$OUTSIDE]}"
    txt "$ML" 200 "$SANS" 8 "${OUTSIDE_ADDR[$OUTSIDE]}"
    rule "$ML" 250 "$MR" "$INK_PRINT" 2
    y=360
    txt "$ML" "$y" "$SERIF" 11 "$V_DATE"; y=$(( y + 130 ))
    txt "$ML" "$y" "$SERIF" 11 "$R_TO_DR"; y=$(( y + 58 ))
    txt "$ML" "$y" "$SERIF" 11 "${HOSP_NAME[$HOSP]}"; y=$(( y + 58 ))
    txt "$ML" "$y" "$SERIF" 11 "${HOSP_ADDR[$HOSP]%%  *}"; y=$(( y + 130 ))
    while IFS= read -r line; do
        [[ -n $line ]] && txt "$ML" "$y" "$SERIF_B" 11 "$line"; y=$(( y + 60 ))
    done <<< "$R_RE"
    y=$(( y + 60 ))
    txt "$ML" "$y" "$SERIF" 11 "$R_SALUT"; y=$(( y + 100 ))
    IFS='|' read -ra paras <<< "${REFERRAL_TEXTS[$BODY]}"
    for i in "${paras[@]}"; do para "$ML" "$y" "$SERIF" 11 84 58 "$i"; y=$(( Y_END + 40 )); done
    txt "$ML" "$y" "$SERIF" 11 'Sincerely,'; y=$(( y + 60 ))
    signature "$ML" $(( y - 60 )) "$INK" "$R_SIGNER"
    y=$(( y + 190 ))
    txt "$ML" "$y" "$SERIF" 11 "$R_SIGNER, MD"; y=$(( y + 58 ))
    txt "$ML" "$y" "$SERIF" 11 "${OUTSIDE_NAME[$OUTSIDE]}"
}

# =============================================================================================
# Drawing one document from its plan file; pages are scanned, then joined into one file
# =============================================================================================
render_doc() {  # render_doc PLANFILE OUTDIR
    local pf=$1 out=$2 n
    local -a pages=()
    # shellcheck disable=SC1090
    source "$pf"
    for (( n = 1; n <= PAGES; n++ )); do
        srand $(( SEED + n * 101 ))
        PAGE_NO=$n PAGE_ROT=$ROT
        (( n == 2 && ROT2 )) && PAGE_ROT=$ROT2
        PAPER=$PAPER_C INK=$INK_C
        page_begin
        case $KIND in
            release)        release_page "$n" ;;
            label|nolabel)  chart_page "$n" ;;
            letter)         letter_page "$n" ;;
            referral)       referral_page ;;
        esac
        finish_page "$TMP/page-$n"
        pages+=( "$PAGE_FILE" )
    done
    if (( PAGES == 1 )); then mv "${pages[0]}" "$out/$FILE"
    else convert "${pages[@]}" "${TIFF_OPTS[@]}" "$out/$FILE"; fi
}

# =============================================================================================
# Which patient goes on which document. The scenario table says what kinds of document the
# corpus holds and how many of each per 160 documents; plan_doc picks the patient (from the
# look-alike pools or the ordinary patients), how the page is drawn and scanned, and checks the
# expected outcome against the roster (truth_of). Columns:
#   kind | scenario | documents per 160 | expected status | what is on the page
# =============================================================================================
SCENARIOS=$(cat <<'EOF'
release|full|12|filed|release form; name, DOB and MRN handwritten
release|name_dob|8|filed|release form; name and DOB handwritten, MRN left blank
release|name_mrn|4|filed|release form; name and MRN handwritten, DOB left blank
release|twin|4|filed|release form for a twin; name and DOB (MRN on some)
release|samename|4|filed|release form; name and DOB, and another patient has the same name
release|swapdob|3|filed|release form; name and DOB, and a same-name patient is born on the day/month swap
release|mrn1|3|filed|release form; name, DOB and MRN, and another patient's MRN is one digit away
release|hyphen|3|filed|release form; hyphenated or apostrophe name, name, DOB and MRN
release|ambig|4|review|release form; name only, and two roster patients have that name
release|conflict|3|review|release form; name and DOB of one patient but the MRN of another
release|notroster|3|review|release form; name and DOB of someone who is not in the roster
release|wrongdob|2|review|release form; name of a roster patient with a birth date that is not theirs
release|identical|1|review|release form; name and DOB shared by two roster patients, no MRN
release|nameonly|2|review|release form; name only
label|plain|28|filed|chart with a printed label (name, DOB, MRN, barcode)
label|twin|5|filed|chart with a printed label of a twin
label|samename|5|filed|chart with a printed label; another patient has the same name
label|mrn1|4|filed|chart with a printed label; another patient's MRN is one digit away
label|swapdob|3|filed|chart with a printed label; a same-name patient is born on the day/month swap
label|identical|3|filed|chart with a printed label; another patient has the same name and DOB
nolabel|name_dob|9|filed|chart without a label; name and DOB handwritten
nolabel|samename|2|filed|chart without a label; name and DOB, and another patient has the same name
nolabel|ambig|3|review|chart without a label; name only, and two roster patients have that name
nolabel|notroster|2|review|chart without a label; name and DOB of someone who is not in the roster
letter|dob|12|filed|handwritten letter from a relative; name and DOB in the prose
letter|self|3|filed|handwritten letter from the patient; name and DOB in the prose
letter|writer_pt|3|filed|handwritten letter from a parent who is a patient too, about a child; name and DOB
letter|twin|2|filed|handwritten letter from a parent about one twin; name and DOB
letter|nodob|8|review|handwritten letter from a relative; name only
letter|ambig|2|review|handwritten letter; name only, and two roster patients have that name
letter|notroster|2|review|handwritten letter; name and DOB of someone who is not in the roster
referral|dob|6|filed|typed letter from an outside practice; RE: name and DOB
referral|nodob|2|review|typed letter from an outside practice; RE: name only
EOF
)
PLAN_SEED=${PLAN_SEED:-8675309}   # another seed, another plan: other patients on other forms

# every variable a document's plan can set (reset before each document)
DOC_VARS=( FILE KIND SCEN SEED SKEW DPI ROT ROT2 FMT PAPER_C INK_C NOISE HOSP HWF HWP HAND_TILT
  HAND_SLOPE HAND_JIT PAGES HOLES FORM LSET FSTYLE IDPOS V_NAME V_DOB V_MRN V_PHYS V_DATE V_SIGN
  V_TO V_PURPOSE V_REL CHART CHART2 LAYOUT GRID TITLE_IDX BODY TYPED TYPED_HDR STK STK_CODE
  STK_FONT STK_ALL S_FAM S_GIV S_MID S_DOB S_MRN S_SEX S_PHYS S_ADM S_ACCT V_DATE_NOTE
  V_DATE_FORM V_DATE_TYPED SIGNER NL_STYLE LINED L_RE L_SALUT L_IDENT L_CONCERN L_MORE L_ASK
  L_CLOSE L_WRITER L_WROTE OUTSIDE R_TO_DR R_RE R_SALUT R_SIGNER )
reset_doc() {
    local v
    for v in "${DOC_VARS[@]}"; do printf -v "$v" '%s' ''; done
    ROT=0 ROT2=0 PAGES=1 HOLES=0 STK=0 STK_ALL=1 TYPED=0 TYPED_HDR=0 LINED=0 BODY=0 GRID=0
    TITLE_IDX=0 OUTSIDE=0 NL_STYLE=''
}

# --- patient pools -----------------------------------------------------------------------------
FILL=() FILL_I=0 HYPH_I=0
declare -A POOL_I
make_pools() {
    local i j t
    for (( i = 0; i < NP; i++ )); do [[ -z ${P_TAG[i]} ]] && FILL+=( "$i" ); done
    for (( i = ${#FILL[@]} - 1; i > 0; i-- )); do   # shuffle (Fisher-Yates)
        rnd 0 "$i"; j=$R; t=${FILL[i]}; FILL[i]=${FILL[j]}; FILL[j]=$t
    done
}
next_filler() {  # -> PI, an ordinary patient not used before
    PI=${FILL[FILL_I]}; FILL_I=$(( FILL_I + 1 ))
}
next_hyphen() {  # -> PI, an ordinary patient with a hyphen or apostrophe in the family name
    while :; do
        PI=${FILL[HYPH_I]}; HYPH_I=$(( HYPH_I + 1 ))
        [[ ${P_FAM[PI]} == *[-\']* ]] && return 0
    done
}
next_pair() {  # next_pair POOL -> PA PB (the pool's next pair, cycling)
    local -n pool=$1
    local k=${POOL_I[$1]:-0}
    read -r PA PB <<< "${pool[k % ${#pool[@]}]}"
    POOL_I[$1]=$(( k + 1 ))
}
pname() { PN="${P_GIV[$1]} ${P_FAM[$1]}"; }                                  # "Given Family"
pfull() { PN="${P_FAM[$1]}, ${P_GIV[$1]}"; }                                  # "Family, Given"

# --- how a name is written ---------------------------------------------------------------------
# write_name FAM GIV MID STYLE -> WN
#   0 Given Family   1 Given M. Family   2 Family, Given   3 FAMILY, GIVEN   4 GIVEN M FAMILY
write_name() {
    local st=$4
    [[ $st == 1 && -z $3 ]] && st=0
    [[ $st == 4 && -z $3 ]] && st=3
    case $st in
        0) WN="$2 $1" ;;
        1) WN="$2 ${3:0:1}. $1" ;;
        2) WN="$1, $2" ;;
        3) WN="${1^^}, ${2^^}" ;;
        4) WN="${2^^} ${3:0:1} ${1^^}" ;;
    esac
}
surname() { SN=${1#Dr. }; SN=${SN##* }; }

# --- drawing and scanning choices common to all kinds -------------------------------------------
choose_scan() {  # choose_scan MAY_BE_MULTIPAGE(0/1)
    rnd -15 15; SKEW=$R
    rnd 60 420; NOISE=$R
    FMT=tif DPI=300 PAPER_C=white INK_C='#16162c'
    rnd 0 99
    if (( R < 4 )); then FMT=jpg DPI=200; pick '#f3e9c6' '#eef0e6' '#f6efe0'; PAPER_C=$R; pick '#1d3a9e' '#222233' '#183c7a'; INK_C=$R
    elif (( R < 12 )); then FMT=png; pct 40 && DPI=200
    else rnd 0 99; if (( R < 7 )); then DPI=150; elif (( R < 16 )); then DPI=200; fi
    fi
    if pct 9; then pick 90 180 270; ROT=$R; fi
    pick 0 1 1 2 2 3 4; HWF=${HW_FONTS[$R]}
    case $HWF in
        "$HW_BREIP") rnd 16 19 ;;
        "$HW_HUMOR") rnd 12 14 ;;
        *) rnd 14 17 ;;
    esac
    HWP=$R
    rnd 12 30; HAND_TILT=$R; rnd 6 18; HAND_SLOPE=$R; rnd 4 10; HAND_JIT=$R
    rnd 0 4; HOSP=$R
}
scan_note() {  # -> SNOTE, how the file was scanned, for truth notes
    SNOTE="$PAGES page$( ((PAGES > 1)) && echo s || true)"
    case $FMT in
        tif) SNOTE+=", ${DPI} dpi bilevel G4 TIFF" ;;
        png) SNOTE+=", ${DPI} dpi 8-bit grey PNG" ;;
        jpg) SNOTE+=", ${DPI} dpi colour JPEG (tinted paper, coloured ink, perspective)" ;;
    esac
    (( ROT )) && SNOTE+=", rotated $ROT"
    (( ROT2 )) && SNOTE+=", page 2 upside down"
    dec "$SKEW"; SNOTE+=", skew $D deg"
    return 0
}
doc_date() {  # doc_date DOB -> DD (ISO), a date in 2023-2025 after the birth date
    while :; do rand_date 2023 2025; [[ $D > $1 && $D < 2025-07-01 ]] && break; done
    DD=$D
}

# --- who is on the page --------------------------------------------------------------------------
# choose_identity KIND SCEN -> the person on the page (ID_FAM ID_GIV ID_MID ID_DOB ID_SEX, PI =
# roster index or -1), what the page carries (CAR_NAME CAR_DOB 0/1, C_MRN = the MRN written),
# LOOK (the look-alike, for the notes) and RETRY (1 when another draw may be taken)
take_patient() {  # take_patient I
    PI=$1 ID_FAM=${P_FAM[$1]} ID_GIV=${P_GIV[$1]} ID_MID=${P_MID[$1]} ID_DOB=${P_DOB[$1]} ID_SEX=${P_SEX[$1]}
}
invent_person() {
    rand_sex; pick_name "$SX"; rand_date 1930 2015
    PI=-1 ID_FAM=$NF ID_GIV=$NG ID_MID=$NM ID_DOB=$D ID_SEX=$SX
}
choose_identity() {
    local kind=$1 sc=$2 o
    CAR_NAME=1 CAR_DOB=1 C_MRN='' LOOK='' RETRY=0
    case $sc in
        full|plain|hyphen|dob|self|name_dob|name_mrn|nameonly|nodob|wrongdob)
            RETRY=1
            if [[ $sc == hyphen ]]; then next_hyphen; else next_filler; fi
            take_patient "$PI"
            case $sc in
                full|plain|hyphen) C_MRN=${P_MRN[PI]} ;;
                name_mrn) C_MRN=${P_MRN[PI]}; CAR_DOB=0 ;;
                nameonly|nodob) CAR_DOB=0 ;;
                wrongdob)
                    rnd 1 3; local y=$(( 10#${ID_DOB:0:4} + R ))
                    printf -v ID_DOB '%04d-%s' "$y" "${ID_DOB:5}"
                    [[ ${ID_DOB:5} == 02-29 ]] && ID_DOB="$y-02-28"
                    LOOK="roster patient ${P_GIV[PI]} ${P_FAM[PI]} (${P_MRN[PI]}) has this name but was born ${P_DOB[PI]}"
                    PI=-1 ;;
            esac
            [[ $kind == label ]] && C_MRN=${P_MRN[PI]}
            [[ $sc == self ]] && (( 10#${ID_DOB:0:4} > 2004 )) && return 1
            [[ $sc == hyphen ]] && LOOK="family name ${ID_FAM}" ;;
        twin)
            next_pair TWINS; pick "$PA" "$PB"; take_patient "$R"
            o=$PA; [[ $o == "$PI" ]] && o=$PB
            LOOK="twin: ${P_GIV[o]} ${P_FAM[o]} (${P_MRN[o]}) has the same family name and DOB, MRN one apart"
            if [[ $kind == label ]] || { [[ $kind == release ]] && pct 40; }; then C_MRN=${P_MRN[PI]}; fi ;;
        samename|ambig)
            next_pair SAMENAME; pick "$PA" "$PB"; take_patient "$R"
            o=$PA; [[ $o == "$PI" ]] && o=$PB
            if [[ $sc == ambig ]]; then
                CAR_DOB=0
                LOOK="two roster patients are named ${ID_GIV} ${ID_FAM}: ${P_MRN[PA]} born ${P_DOB[PA]}, ${P_MRN[PB]} born ${P_DOB[PB]}"
            else
                LOOK="another ${P_GIV[o]} ${P_FAM[o]} (${P_MRN[o]}) is born ${P_DOB[o]}"
                if [[ $kind == label ]] || { [[ $kind == release ]] && pct 30; }; then C_MRN=${P_MRN[PI]}; fi
            fi ;;
        swapdob)
            next_pair SWAPDOB; pick "$PA" "$PB"; take_patient "$R"
            o=$PA; [[ $o == "$PI" ]] && o=$PB
            LOOK="another ${P_GIV[o]} ${P_FAM[o]} (${P_MRN[o]}) is born ${P_DOB[o]}, the day/month swap"
            [[ $kind == label ]] && C_MRN=${P_MRN[PI]} ;;
        mrn1|conflict)
            next_pair MRN1; pick "$PA" "$PB"; take_patient "$R"
            o=$PA; [[ $o == "$PI" ]] && o=$PB
            if [[ $sc == conflict ]]; then
                C_MRN=${P_MRN[o]}
                LOOK="conflict: name and DOB are ${ID_GIV} ${ID_FAM}'s (${P_MRN[PI]}), the MRN written ${C_MRN} is ${P_GIV[o]} ${P_FAM[o]}'s"
            else
                C_MRN=${P_MRN[PI]}
                LOOK="MRN one digit from ${P_GIV[o]} ${P_FAM[o]}'s (${P_MRN[o]})"
            fi ;;
        identical)
            next_pair IDENTICAL; pick "$PA" "$PB"; take_patient "$R"
            o=$PA; [[ $o == "$PI" ]] && o=$PB
            LOOK="${P_MRN[PA]} and ${P_MRN[PB]} are both ${ID_GIV} ${ID_FAM} born ${ID_DOB}"
            [[ $kind == label ]] && C_MRN=${P_MRN[PI]} ;;
        writer_pt)
            next_pair FAMILY; take_patient "$PB"; WRITER_I=$PA ;;
        notroster)
            RETRY=1; invent_person
            LOOK="not in the roster" ;;
    esac
    return 0
}

# --- the kinds -----------------------------------------------------------------------------------
RECIPIENTS=( 'Northside Orthopedics' 'Allied Mutual Insurance' 'Dr. K. Brandt, Family Practice'
             'Social Security Administration' 'Hillview Rehab Center' 'self - personal copy'
             'Law office of J. Pruitt' 'Greenway Pharmacy' )
PURPOSES=( 'continuing care' 'insurance claim' 'personal records' 'second opinion' 'disability claim'
           'school forms' 'legal matter' )
AMA_REASONS=( 'needs to care for children at home' 'feels better, wants to leave' 'work tomorrow'
              'does not want surgery' 'refuses blood transfusion' )
age_at() { AGE=$(( 10#${2:0:4} - 10#${1:0:4} )); [[ ${2:5} < ${1:5} ]] && AGE=$(( AGE - 1 )); return 0; }

plan_release() {
    local ns
    rnd 0 6; FORM=$R; rnd 0 5; LSET=$R
    pick right right under above box; FSTYLE=$R
    IDPOS=top; pct 25 && IDPOS=bottom
    [[ $FMT == tif ]] && pct 12 && PAGES=2
    if (( LSET == 4 )); then pick 2 3; else pick 0 0 1 2 3 4; fi; ns=$R
    [[ $HWF == "$HW_HUMOR" ]] && pct 60 && ns=3
    write_name "$ID_FAM" "$ID_GIV" "$ID_MID" "$ns"; V_NAME=$WN
    (( CAR_NAME )) || V_NAME=''
    if (( CAR_DOB )); then pick_dob_style "$ID_DOB"; fmt_date "$ID_DOB" "$R"; V_DOB=$D; fi
    V_MRN=$C_MRN
    if pct 70; then surname "$PHYS_OF"; V_PHYS="Dr. $SN"; fi
    pick 0 1 7 3 6 8; fmt_date "$DD" "$R"; V_DATE=$D
    age_at "$ID_DOB" "$DD"
    if (( AGE < 18 )); then
        pick_name F; V_SIGN="$NG $ID_FAM"; V_REL=mother
    elif pct 15; then
        pick_name M; V_SIGN="$NG $ID_FAM"; pick son husband brother; V_REL=$R
    else
        V_SIGN="$ID_GIV $ID_FAM"
    fi
    pick "${RECIPIENTS[@]}"; V_TO=$R
    if (( FORM == 4 || FORM == 5 )); then pick "${AMA_REASONS[@]}"; else pick "${PURPOSES[@]}"; fi
    V_PURPOSE=$R
}
plan_chart() {  # label and no-label charts
    local t
    STK_FONT=$SANS_B; pick 0 1 2; (( R == 1 )) && STK_FONT=$SANS_CB; (( R == 2 )) && STK_FONT=$SERIF_B
    if [[ $KIND == label ]]; then
        rnd 0 3; STK=$R
        case $STK in 0) pick c128 c39 ;; 1) pick c39 c39 c128 ;; 2) R=qr ;; 3) R=c128 ;; esac; STK_CODE=$R
        S_FAM=$ID_FAM S_GIV=$ID_GIV S_MID=$ID_MID S_DOB=$ID_DOB S_MRN=$C_MRN S_SEX=$ID_SEX S_PHYS=$PHYS_OF
        rnd 0 4; S_ADM=$(date -u -d "$DD - $R days" +%m/%d/%y)
        rnd 0 9999; t=$R; rnd 0 9999; printf -v S_ACCT '90%04d%04d' "$t" "$R"
        pick hand hand hand orders clinic typed typed; CHART=$R
        if [[ $CHART == typed ]]; then pick A A B; else pick A A B C; fi; LAYOUT=$R
        if [[ $FMT == tif ]] && pct 25; then rnd 2 3; PAGES=$R; pick hand orders; CHART2=$R; pct 70 || STK_ALL=0; fi
    else
        rnd 0 3; NL_STYLE=$R
        CHART=hand; (( NL_STYLE == 2 )) && CHART=clinic
        LAYOUT=A; (( NL_STYLE != 1 )) && { pick A B C; LAYOUT=$R; }
        rnd 0 5; LSET=$R
        if (( NL_STYLE == 2 && LSET == 4 )); then pick 2 3; else pick 0 0 1 2 3; fi
        write_name "$ID_FAM" "$ID_GIV" "$ID_MID" "$R"; V_NAME=$WN
        if (( CAR_DOB )); then pick_dob_style "$ID_DOB"; fmt_date "$ID_DOB" "$R"; V_DOB=$D; fi
    fi
    (( PAGES > 1 )) && pct 20 && { ROT=0; ROT2=180; }
    rnd 0 2; GRID=$R; rnd 0 4; TITLE_IDX=$R; rnd 0 9; BODY=$R; rnd 0 4; TYPED=$R
    pct 50 && TYPED_HDR=1
    pct 50 && HOLES=1
    rnd 6 18; V_DATE_NOTE="$((10#${DD:5:2}))/$((10#${DD:8:2}))/${DD:2:2} $(printf '%02d%02d' "$R" "$(( (R * 7) % 60 ))")"
    pick 0 1 7 3; fmt_date "$DD" "$R"; V_DATE_FORM=$D
    fmt_date "$DD" 0; V_DATE_TYPED=$D
    surname "$PHYS_OF"; SIGNER="${PHYS_OF:4:1}. $SN MD"
    pct 25 && { pick_name F; SIGNER="${NG:0:1}. $NF RN"; }
    return 0
}
pronouns() {  # pronouns SEX -> HE HIM HIS (lower case)
    if [[ $1 == F ]]; then HE=she HIM=her HIS=her; else HE=he HIM=him HIS=his; fi
}
subject_text() {  # subject_text TEXT -> ST, the concern with SUBJ / SUBJ_OBJ replaced
    ST=$1
    ST=${ST//SUBJ_OBJ/$HIM}
    ST=${ST//. SUBJ/. ${HE^}}
    [[ $ST == SUBJ* ]] && ST="${HE^}${ST#SUBJ}"
    ST=${ST//SUBJ/$HE}
}
SELF_CONCERNS=( 'Since my stay in the hospital I have been very tired and my ankles are swollen by the evening.'
                'I would like a copy of my records from my visit in the summer for my new doctor.'
                'The new pills for my blood pressure make me dizzy in the morning and I would like to know if I can take them at night instead.' )
plan_letter() {
    local rel wf wsx nsub i
    pronouns "$ID_SEX"
    pick 0 0 0 1; write_name "$ID_FAM" "$ID_GIV" "$ID_MID" "$R"; nsub=$WN
    age_at "$ID_DOB" "$DD"
    L_WROTE=''
    if [[ $SCEN == self ]]; then
        rel=''; L_WRITER="$ID_GIV $ID_FAM"
    elif [[ $SCEN == writer_pt ]]; then
        [[ $ID_SEX == F ]] && rel=daughter || rel=son
        L_WRITER="${P_GIV[WRITER_I]} ${P_FAM[WRITER_I]}"
        LOOK="the writer ${L_WRITER} (${P_MRN[WRITER_I]}, born ${P_DOB[WRITER_I]}) is a roster patient too"
    elif (( AGE < 18 )) || [[ $SCEN == twin ]]; then
        [[ $ID_SEX == F ]] && rel=daughter || rel=son
        rand_sex; pick_name "$SX"; L_WRITER="$NG $ID_FAM"
    elif (( AGE >= 60 )); then
        [[ $ID_SEX == F ]] && rel=mother || rel=father
        rand_sex; wsx=$SX; pick_name "$wsx"; wf=$ID_FAM; pct 35 && wf=$NF
        L_WRITER="$NG $wf"
        if pct 40; then if [[ $wsx == F ]]; then L_WROTE="($HIS daughter)"; else L_WROTE="($HIS son)"; fi; fi
    else
        [[ $ID_SEX == F ]] && rel=wife || rel=husband
        if [[ $ID_SEX == F ]]; then pick_name M; else pick_name F; fi
        L_WRITER="$NG $ID_FAM"
    fi
    surname "$PHYS_OF"
    pick "Dear Dr. $SN," 'To whom it may concern,' 'Dear Doctor,' "Hello Dr. $SN," "Dr. $SN -" "Dear Dr. $SN,"; L_SALUT=$R
    if (( CAR_DOB )); then pick_dob_style "$ID_DOB"; pick 1 3 3 0 4 6; fmt_date "$ID_DOB" "$R"; V_DOB=$D; fi
    if [[ $SCEN == self ]]; then
        pick 4 5; i=$R
    elif (( CAR_DOB )); then rnd 0 3; i=$R
    else rnd 6 7; i=$R; fi
    case $i in
        0) L_IDENT="I am writing about my $rel, $nsub, born $V_DOB." ;;
        1) L_IDENT="My $rel $nsub (date of birth $V_DOB) was seen by you recently." ;;
        2) L_RE="Re: $nsub   DOB $V_DOB"; L_IDENT="I am writing about my $rel." ;;
        3) L_IDENT="This letter is about my $rel $nsub, whose birthdate is $V_DOB." ;;
        4) L_IDENT="My name is $nsub and my date of birth is $V_DOB." ;;
        5) L_IDENT="I am $nsub, born on $V_DOB, and I was your patient this year." ;;
        6) L_IDENT="My $rel $nsub was in your care last month." ;;
        7) L_IDENT="I am writing for my $rel, $nsub." ;;
    esac
    if [[ $SCEN == self ]]; then pick "${SELF_CONCERNS[@]}"; ST=$R
    else pick "${LETTER_CONCERNS[@]}"; subject_text "$R"; fi
    L_CONCERN=$ST
    [[ $FMT == tif ]] && pct 20 && PAGES=2
    L_MORE=''
    if (( PAGES == 2 )); then pick "${LETTER_CONCERNS[@]}"; subject_text "Also, $R"; L_MORE=${ST/Also, ${HE^}/Also, $HE}; fi
    [[ $SCEN == writer_pt ]] && L_MORE+="${L_MORE:+ }I am a patient at your clinic too, so you will find my number in my own chart."
    rnd 100 199
    pick "Please call me at 555-0$R." "You can reach me at 555-0$R any afternoon." 'Please let us know what we should do.' 'Thank you for your help with this.'
    L_ASK=$R
    pick "${LETTER_CLOSINGS[@]}"; L_CLOSE=$R
    pct 40 && LINED=1
    if pct 90; then pick 3 6 1 0 3; fmt_date "$DD" "$R"; V_DATE=$D; else DD=''; fi
    V_NAME=$nsub
}
plan_referral() {
    local n
    rnd 0 3; OUTSIDE=$R; BODY=$R
    fmt_date "$DD" 3; V_DATE=$D
    R_TO_DR=$PHYS_OF; surname "$PHYS_OF"; R_SALUT="Dear Dr. $SN:"
    rand_sex; pick_name "$SX"; R_SIGNER="$NG $NF"
    write_name "$ID_FAM" "$ID_GIV" "$ID_MID" 1; n=$WN
    if (( CAR_DOB )); then
        rnd 0 2
        case $R in
            0) fmt_date "$ID_DOB" 0; V_DOB=$D; R_RE="RE: $n          DOB: $D" ;;
            1) fmt_date "$ID_DOB" 4; V_DOB=$D; R_RE="Re: ${ID_FAM^^}, $ID_GIV (DOB $D)"; n="${ID_FAM^^}, $ID_GIV" ;;
            2) fmt_date "$ID_DOB" 3; V_DOB=$D; R_RE="Patient: $n"$'\n'"Date of birth: $D" ;;
        esac
    else
        R_RE="RE: $n"
    fi
    V_NAME=$n
}

# --- one document's plan, its truth row and its notes ---------------------------------------------
code_name() { case $1 in c128) CN='Code 128' ;; c39) CN='Code 39' ;; qr) CN='QR' ;; esac; }
doc_type_of() { case $1 in release) DT=release_form ;; label|nolabel) DT=chart ;; *) DT=correspondence ;; esac; }
csvq() { if [[ $1 == *[,\"]* ]]; then Q="\"${1//\"/\"\"}\""; else Q=$1; fi; }

plan_doc() {  # plan_doc I KIND SCEN EXPECTED DESCRIPTION
    local i=$1 kind=$2 sc=$3 exp=$4 desc=$5 tries=0 ext row f t n=0 carried=''
    local -a notes=()
    while :; do
        reset_doc; KIND=$kind SCEN=$sc
        if choose_identity "$kind" "$sc"; then
            if (( PI >= 0 )); then PHYS_OF=${P_PHYS[PI]}; else rnd 0 11; PHYS_OF="Dr. ${PHYSICIANS[$R]}"; fi
            if (( CAR_NAME )); then f=$ID_FAM; else f=''; fi
            truth_of "$f" "$ID_GIV" "$( ((CAR_DOB)) && echo "$ID_DOB" )" "$C_MRN"
            if [[ $T_STATUS == "$exp" ]] && { [[ $exp != filed ]] || [[ $T_IDX == "$PI" ]]; }; then break; fi
            (( RETRY )) || { echo "generate-corpus.sh: doc $i ($kind/$sc) is $T_STATUS, expected $exp" >&2; exit 1; }
        fi
        tries=$(( tries + 1 )); (( tries < 100 )) || { echo "generate-corpus.sh: cannot plan $kind/$sc" >&2; exit 1; }
    done
    local seq=$RNG
    srand $(( PLAN_SEED + i * 7919 ))     # the drawing choices of document I depend on I only
    SEED=$(( 100000 + i * 7919 ))
    choose_scan
    doc_date "$ID_DOB"
    case $kind in
        release) plan_release ;;
        label|nolabel) plan_chart ;;
        letter) plan_letter ;;
        referral) plan_referral ;;
    esac
    srand "$seq"                          # back to the sequence that picks patients
    case $FMT in tif) ext=tif ;; png) ext=png ;; jpg) ext=jpg ;; esac
    printf -v FILE 'd%04d.%s' "$i" "$ext"
    { for f in "${DOC_VARS[@]}"; do printf '%s=%q\n' "$f" "${!f}"; done; } > "$WORK/plan/d$(printf %04d "$i").sh"

    # notes: what the page carries, the printed label, the look-alike, spellings, the scan
    (( CAR_NAME )) && { carried+=name; n=$(( n + 1 )); }
    (( CAR_DOB )) && { carried+=${carried:++}DOB; n=$(( n + 1 )); }
    [[ -n $C_MRN ]] && { carried+=${carried:++}MRN; n=$(( n + 1 )); }
    notes+=( "$desc" )
    if [[ $exp == filed ]]; then notes+=( "carries $carried: two identifiers agree with exactly one roster patient" )
    elif (( n == 1 )); then notes+=( "carries $carried only" )
    else notes+=( "carries $carried but they do not single out one roster patient" ); fi
    if [[ $kind == label ]]; then
        code_name "$STK_CODE"; notes+=( "printed label ($CN, layout $STK) with name, DOB and MRN$( ((PAGES > 1 && ! STK_ALL)) && echo ' on page 1 only' || true)" )
        notes+=( "$CHART page$( ((PAGES > 1)) && echo ", then $CHART2 pages" || true)" )
    fi
    [[ -n $LOOK ]] && notes+=( "$LOOK" )
    case $kind in
        release) labels "$LSET"; notes+=( "'${RELEASE_TITLES[$FORM]}' (${HOSP_NAME[$HOSP]}); labels '$L_NAME' '$L_DOB' '$L_MRN'; $FSTYLE-style fields at the $IDPOS" )
                 [[ $V_SIGN != "$ID_GIV $ID_FAM" ]] && notes+=( "signed by $V_SIGN ($V_REL)" ) ;;
        nolabel) case $NL_STYLE in 0) f="'Pt:' line in the note" ;; 1) f='written in the empty label box' ;;
                                   2) f='handwritten in the printed fields of a visit form' ;; 3) f='in the first sentence of the note' ;; esac
                 notes+=( "identity $f" ) ;;
        letter)  notes+=( "writer $L_WRITER${L_WROTE:+ $L_WROTE}$( [[ $SCEN == self ]] && echo ' (the patient)' || true)" ) ;;
        referral) notes+=( "from ${OUTSIDE_NAME[$OUTSIDE]}" ) ;;
    esac
    [[ -n $V_NAME && $kind != label ]] && notes+=( "name written '$V_NAME'" )
    [[ -n $V_DOB ]] && notes+=( "DOB written '$V_DOB'" )
    [[ $kind == letter && -z $V_DATE ]] && notes+=( 'undated' )
    scan_note; notes+=( "$SNOTE" )

    doc_type_of "$kind"
    local t_mrn='' t_name t_dob=''
    if [[ $exp == filed ]]; then t_mrn=${P_MRN[PI]}; t_name="${P_FAM[PI]}, ${P_GIV[PI]}"
    else t_name=$V_NAME; fi
    (( CAR_DOB )) && t_dob=$ID_DOB
    row=''
    for f in "$FILE" "$exp" "$t_mrn" "$DT" "$t_dob" "$DD" "$t_name"; do csvq "$f"; row+="$Q,"; done
    f=''; for t in "${notes[@]}"; do f+="${f:+; }$t"; done
    csvq "$f"; row+=$Q
    printf '%s\n' "$row" >> "$OUT/truth.csv"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FILE" "$kind" "$sc" "$exp" "${t_mrn:--}" \
        "$ID_FAM, $ID_GIV" "$ID_DOB" "$carried" "$FMT/${DPI}dpi/rot$ROT/${PAGES}p" "${LOOK:--}" >> "$OUT/plan.tsv"
}

plan_all() {  # plan_all N - expand the scenario table to N documents, shuffle, plan each
    local n=$1 total=0 cum=0 prev=0 k i j t kind sc per exp desc
    local -a slots=()
    while IFS='|' read -r kind sc per exp desc; do total=$(( total + per )); done <<< "$SCENARIOS"
    while IFS='|' read -r kind sc per exp desc; do
        cum=$(( cum + per )); k=$(( (cum * n * 2 + total) / (total * 2) ))   # cumulative rounding
        for (( i = prev; i < k; i++ )); do slots+=( "$kind|$sc|$exp|$desc" ); done
        prev=$k
    done <<< "$SCENARIOS"
    for (( i = ${#slots[@]} - 1; i > 0; i-- )); do rnd 0 "$i"; j=$R; t=${slots[i]}; slots[i]=${slots[j]}; slots[j]=$t; done
    echo 'file,expected_status,mrn,doc_type,birth_date,document_date,patient_name,notes' > "$OUT/truth.csv"
    printf 'file\tkind\tscenario\texpected\tmrn\tperson\tbirth_date\tcarries\tscan\tlook-alike\n' > "$OUT/plan.tsv"
    for (( i = 0; i < ${#slots[@]}; i++ )); do
        IFS='|' read -r kind sc exp desc <<< "${slots[i]}"
        plan_doc $(( i + 1 )) "$kind" "$sc" "$exp" "$desc"
    done
}

# =============================================================================================
# Main: roster, plan, then the drawing on JOBS workers
# =============================================================================================
render_main() {  # render_main OUTDIR PLANFILE... (a worker)
    local out=$1 pf; shift
    export MAGICK_THREAD_LIMIT=1          # parallelism comes from the workers
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/chartroom-corpus.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    WIDTHS=$out/.work/widths.txt; load_widths
    for pf in "$@"; do
        render_doc "$pf" "$out"
        printf '.' >&2
    done
}
main() {
    if [[ ${1:-} == --render ]]; then shift; render_main "$@"; return; fi
    if (( $# < 1 || $# > 2 )) || [[ $1 == -* ]] || ! [[ ${2:-160} =~ ^[1-9][0-9]*$ ]]; then
        echo 'usage: generate-corpus.sh OUTDIR [N]' >&2; exit 2
    fi
    local n=${2:-160} t0=$SECONDS missing=0 f
    check_tools
    mkdir -p "$1"; OUT=$(cd "$1" && pwd); WORK=$OUT/.work
    rm -rf "$WORK"; rm -f "$OUT"/d[0-9][0-9][0-9][0-9].{tif,png,jpg}
    mkdir -p "$WORK/plan"; : > "$WORK/widths.txt"
    make_roster "${ROSTER_N:-3000}"
    write_roster "$OUT/roster.csv"
    srand "$PLAN_SEED"; make_pools
    plan_all "$n"
    echo "generate-corpus.sh: roster of $NP patients, $n documents planned; drawing on ${JOBS:-2} workers" >&2
    find "$WORK/plan" -name 'd*.sh' | sort | xargs -P "${JOBS:-2}" -n 8 bash "$SELF" --render "$OUT"
    echo >&2
    while IFS=, read -r f _; do
        [[ $f == file ]] && continue
        [[ -s $OUT/$f ]] || { echo "generate-corpus.sh: $f was not drawn" >&2; missing=1; }
    done < "$OUT/truth.csv"
    (( missing )) && exit 1
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
    echo "generate-corpus.sh: wrote $n documents, roster.csv, truth.csv and plan.tsv to $OUT in $(( SECONDS - t0 )) s" >&2
}
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
