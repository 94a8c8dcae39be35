// sources/generator/nationality_data.cc: per-nationality names, places and number formats.
#include "sources/generator/generator_tables.h"

namespace kascade::generator_tables {
namespace {

constexpr const char* kFrenchMale = "Mr|Monsieur";
constexpr const char* kFrenchFemale = "Ms|Mrs|Miss|Madame|Mademoiselle";

constexpr RawNationality kNationalities[] = {
    {"AU", "Australia", "Jack|Oliver|Noah|William|Lucas|Liam|Cooper|Harrison",
     "Chloe|Ella|Isla|Ruby|Zoe|Matilda|Charlotte|Mia",
     "Smith|Jones|Williams|Brown|Wilson|Taylor|Walker|Harris|Martin|Young",
     "Sydney|Melbourne|Brisbane|Perth|Adelaide|Hobart|Darwin|Geelong|Cairns|Wollongong",
     "New South Wales|Victoria|Queensland|Western Australia|South Australia|Tasmania|"
     "Northern Territory|Australian Capital Territory",
     "George St|Church St|Bay Ave|Harbour Rd|Parkview Dr|Wattle Rd|Kookaburra Ct", "0#-####-####", "04##-###-###",
     "N###", "TFN", "#########", nullptr, nullptr},
    {"BR", "Brazil", "João|Pedro|Lucas|Matheus|Gabriel|Rafael|Thiago|Caio|Vítor",
     "Ana|Beatriz|Júlia|Letícia|Lívia|Camila|Fernanda|Luíza|Cecília",
     "Silva|Santos|Oliveira|Souza|Araújo|Gonçalves|Ribeiro|Carvalho|Gomes|Moreira",
     "São Paulo|Rio de Janeiro|Belo Horizonte|Salvador|Fortaleza|Curitiba|Manaus|Recife|"
     "Goiânia|Maceió",
     "São Paulo|Rio de Janeiro|Minas Gerais|Bahia|Ceará|Paraná|Amazonas|Pernambuco|Goiás|"
     "Alagoas",
     "Rua São Francisco|Rua Três|Avenida Brasil|Rua da Paz|Rua Santa Maria|"
     "Travessa dos Martírios",
     "(##) ####-####", "(##) ####-####", "N####", "CPF", "###.###.###-##", nullptr, nullptr},
    {"CA", "Canada", "Liam|Noah|Logan|Ethan|Nathan|Félix|Samuel|William|Émile",
     "Emma|Olivia|Chloé|Charlotte|Léa|Sophie|Maëlle|Abigail|Zoé",
     "Tremblay|Gagnon|Roy|Côté|Bouchard|Gauthier|Morin|Lavoie|Fortin|Wilson|Martin|Anderson",
     "Toronto|Montréal|Vancouver|Calgary|Ottawa|Edmonton|Québec|Winnipeg|Halifax|Victoria",
     "Ontario|Québec|British Columbia|Alberta|Manitoba|Saskatchewan|Nova Scotia|"
     "New Brunswick|Newfoundland and Labrador|Prince Edward Island",
     "King St|Queen St|Dufferin St|Rue Sainte-Catherine|Bay Ave|Maple Ave|Pine Rd", "N##-###-####", "N##-###-####",
     "A#A #A#", "SIN", "### ### ###", nullptr, nullptr},
    {"CH", "Switzerland", "Luca|Noah|Elias|Yannick|Mathis|Lorenz|Théo|Jérôme",
     "Mia|Léonie|Anaïs|Lara|Célia|Zoé|Lina|Chiara",
     "Müller|Meier|Schmid|Keller|Weber|Huber|Schneider|Roux|Girard|Fontaine|Rossi|Bonnet",
     "Zürich|Genève|Basel|Lausanne|Bern|Winterthur|Luzern|St. Gallen|Lugano|Biel",
     "Zürich|Genève|Basel-Stadt|Vaud|Bern|Luzern|St. Gallen|Ticino|Graubünden|Neuchâtel",
     "Bahnhofstrasse|Rue de la Gare|Place du Marché|Rue des Écoles|Seestrasse|Via Cantonale", "07# ### ## ##",
     "07# ### ## ##", "N###", "AVS", "756.####.####.##", "Monsieur", "Madame|Mademoiselle"},
    {"DE", "Germany", "Jürgen|Lukas|Maximilian|Jörg|Uwe|Günter|Felix|Björn",
     "Lena|Käthe|Ursula|Jana|Margret|Lieselotte|Hannelore|Jördis",
     "Müller|Schmidt|Schneider|Fischer|Weber|Wagner|Becker|Schäfer|Köhler|Krüger|Hoffmann|"
     "Jäger",
     "Berlin|Hamburg|München|Köln|Frankfurt am Main|Stuttgart|Düsseldorf|Leipzig|Nürnberg|"
     "Lübeck|Göttingen",
     "Berlin|Hamburg|Bayern|Nordrhein-Westfalen|Hessen|Baden-Württemberg|Sachsen|Thüringen|"
     "Niedersachsen|Schleswig-Holstein",
     "Hauptstraße|Schulstraße|Gartenstraße|Bahnhofstraße|Lindenstraße|Mühlenweg|Kirchplatz", "0###-#######",
     "017#-#######", "N####", "SVNR", "## ###### A ###", nullptr, nullptr},
    {"DK", "Denmark", "Mads|Mikkel|Søren|Jørgen|Rasmus|Frederik|Anders|Bjørn",
     "Freja|Ida|Sofie|Maja|Astrid|Mathilde|Karoline|Signe",
     "Jensen|Nielsen|Hansen|Pedersen|Andersen|Christensen|Larsen|Sørensen|Rasmussen|"
     "Jørgensen|Møller|Kjær",
     "København|Aarhus|Odense|Aalborg|Esbjerg|Randers|Kolding|Horsens|Vejle|Roskilde",
     "Hovedstaden|Midtjylland|Syddanmark|Nordjylland|Sjælland",
     "Søndergade|Østergade|Nørregade|Vestergade|Skovvej|Åboulevarden|Kirkevej", "########", "########", "N###", "CPR",
     "######-####", nullptr, nullptr},
    {"ES", "Spain", "Alejandro|José|Jesús|Álvaro|Iván|Rubén|Héctor|Sergio",
     "Lucía|María|Inés|Sofía|Mónica|Nerea|Pilar|Ángela",
     "García|Fernández|González|Rodríguez|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez|"
     "Ruiz",
     "Madrid|Barcelona|Valencia|Sevilla|Zaragoza|Málaga|Murcia|Palma de Mallorca|Bilbao|"
     "Córdoba|Alcalá de Henares",
     "Comunidad de Madrid|Cataluña|Comunidad Valenciana|Andalucía|Aragón|Región de Murcia|"
     "Islas Baleares|País Vasco|Castilla y León|Galicia",
     "Calle Mayor|Calle de Alcalá|Avenida de Andalucía|Paseo de Extremadura|Calle de la Luna|"
     "Calle del Prado",
     "9##-###-###", "6##-###-###", "N####", "DNI", "########-A", nullptr, nullptr},
    {"FI", "Finland", "Eetu|Väinö|Onni|Juho|Aleksi|Topias|Niilo|Veeti", "Aino|Eevi|Siiri|Sanni|Iida|Pihla|Ella|Helmi",
     "Korhonen|Virtanen|Mäkinen|Nieminen|Mäkelä|Hämäläinen|Laine|Heikkinen|Koskinen|"
     "Järvinen|Lehtonen|Saarinen",
     "Helsinki|Espoo|Tampere|Vantaa|Oulu|Turku|Jyväskylä|Lahti|Kuopio|Pori|Hämeenlinna",
     "Uusimaa|Pirkanmaa|Pohjois-Pohjanmaa|Varsinais-Suomi|Keski-Suomi|Päijät-Häme|"
     "Pohjois-Savo|Satakunta|Kanta-Häme|Lappi",
     "Hämeenkatu|Mannerheimintie|Pohjoisesplanadi|Aleksanterinkatu|Rautatienkatu|"
     "Satakennankatu|Tehtaankatu",
     "0#-###-###", "04#-###-##-##", "N####", "HETU", "######-###A", nullptr, nullptr},
    {"FR", "France", "Théo|Hugo|Mathéo|Noé|Louis|Gabriel|Raphaël|Jérôme",
     "Léa|Chloé|Manon|Zoé|Inès|Maëlys|Camille|Océane",
     "Martin|Bernard|Dubois|Thomas|Robert|Petit|Durand|Lefèvre|Mercier|Fontaine|Girard|Leroy",
     "Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|"
     "Saint-Étienne|Besançon",
     "Paris|Bouches-du-Rhône|Rhône|Haute-Garonne|Alpes-Maritimes|Loire-Atlantique|Bas-Rhin|"
     "Hérault|Gironde|Loire|Doubs",
     "Rue de la Paix|Rue Pierre-Delore|Avenue Jean-Jaurès|Place de l'Abbé-Basset|"
     "Rue de l'Église|Boulevard de la Croix-Rousse|Rue des Cuirassiers",
     "0#-##-##-##-##", "06-##-##-##-##", "N####", "INSEE", "N############ ##", kFrenchMale, kFrenchFemale},
    {"GB", "United Kingdom", "Oliver|Harry|George|Jack|Charlie|Alfie|Freddie|Arthur",
     "Amelia|Olivia|Isla|Poppy|Evie|Florence|Imogen|Sienna",
     "Smith|Jones|Taylor|Davies|Evans|Thomas|Roberts|Walker|Wright|Hughes|O'Brien|Clarke",
     "London|Manchester|Birmingham|Leeds|Glasgow|Bristol|Liverpool|Cardiff|Edinburgh|Sheffield",
     "Greater London|Greater Manchester|West Midlands|West Yorkshire|Strathclyde|Avon|"
     "Merseyside|South Glamorgan|Lothian|South Yorkshire",
     "High Street|Station Road|Church Lane|Victoria Road|Mill Lane|Park Road|Queen's Road", "0#### ######",
     "07### ######", "AA## #AA", "NINO", "AA ## ## ## A", nullptr, nullptr},
    {"IE", "Ireland", "Seán|Cian|Oisín|Darragh|Conor|Pádraig|Liam|Eoin",
     "Aoife|Siobhán|Niamh|Saoirse|Róisín|Caoimhe|Orla|Sinéad",
     "Murphy|Kelly|O'Sullivan|Walsh|Byrne|Ryan|O'Connor|O'Neill|Doyle|McCarthy|Gallagher",
     "Dublin|Cork|Limerick|Galway|Waterford|Drogheda|Kilkenny|Sligo|Tralee|Athlone",
     "Dublin|Cork|Limerick|Galway|Waterford|Louth|Kilkenny|Sligo|Kerry|Westmeath",
     "O'Connell Street|Grafton Street|Main Street|Church Road|Patrick Street|Dame Street", "0##-###-####",
     "08#-###-####", "N####", "PPS", "#######A", nullptr, nullptr},
    {"IN", "India", "Aarav|Vivaan|Aditya|Arjun|Rohan|Ishaan|Kabir|Sai",
     "Aanya|Diya|Ananya|Ishita|Kavya|Meera|Riya|Saanvi",
     "Sharma|Patel|Singh|Kumar|Gupta|Reddy|Iyer|Nair|Das|Joshi|Mehta|Chopra",
     "Mumbai|Delhi|Bengaluru|Hyderabad|Ahmedabad|Chennai|Kolkata|Pune|Jaipur|Lucknow",
     "Maharashtra|Delhi|Karnataka|Telangana|Gujarat|Tamil Nadu|West Bengal|Rajasthan|"
     "Uttar Pradesh|Kerala",
     "MG Road|Station Road|Nehru Nagar|Gandhi Marg|Park Street|Lal Bahadur Shastri Marg", "N#########", "N#########",
     "N#####", "UIDAI", "############", nullptr, nullptr},
    {"IR", "Iran",
     "امیرحسین=amirhosein|محمد=mohammad|علی=ali|پارسا=parsa|رضا=reza|حسین=hosein|سینا=sina|"
     "آرین=arian",
     "زهرا=zahra|فاطمه=fateme|مریم=maryam|نازنین=nazanin|سارا=sara|یگانه=yegane|پریا=pariya|"
     "هستی=hasti",
     "محمدی=mohammadi|حسینی=hoseini|رضایی=rezaei|احمدی=ahmadi|کریمی=karimi|موسوی=mousavi|"
     "جعفری=jafari|صادقی=sadeghi|کاظمی=kazemi|رحیمی=rahimi",
     "تهران|مشهد|اصفهان|شیراز|تبریز|کرج|قم|اهواز|کرمانشاه|رشت",
     "تهران|خراسان رضوی|اصفهان|فارس|آذربایجان شرقی|البرز|قم|خوزستان|کرمانشاه|گیلان",
     "ولیعصر|انقلاب|آزادی|شریعتی|پاسداران|میدان امام حسین", "0##-########", "09##-###-####", "N####", "", "", nullptr,
     nullptr},
    {"MX", "Mexico", "José|Juan|Luis|Carlos|Jesús|Andrés|Iván|Ramón",
     "María|Guadalupe|Verónica|Mónica|Sofía|Ximena|Adriana|Itzel",
     "Hernández|García|Martínez|López|González|Pérez|Rodríguez|Sánchez|Ramírez|Cruz|Flores|"
     "Gómez",
     "Ciudad de México|Guadalajara|Monterrey|Puebla|Tijuana|León|Mérida|Querétaro|Toluca|"
     "Cancún",
     "Ciudad de México|Jalisco|Nuevo León|Puebla|Baja California|Guanajuato|Yucatán|"
     "Querétaro|Estado de México|Quintana Roo|Michoacán",
     "Avenida Juárez|Calle Hidalgo|Avenida Reforma|Calle Morelos|Privada Núñez|"
     "Boulevard Independencia|Callejón Zaragoza",
     "(6##) ### ####", "(6##) ### ####", "N####", "NSS", "## ## ## ####-#", nullptr, nullptr},
    {"NL", "Netherlands", "Daan|Sem|Lucas|Jesse|Bram|Thijs|Joël|Sven",
     "Emma|Julia|Tess|Sophie|Noëlle|Fleur|Anouk|Eline",
     "de Jong|Jansen|de Vries|van den Berg|Bakker|Visser|Smit|Meijer|de Boer|Mulder|van Dijk|"
     "Bos",
     "Amsterdam|Rotterdam|Den Haag|Utrecht|Eindhoven|Groningen|Tilburg|Almere|Breda|Nijmegen",
     "Noord-Holland|Zuid-Holland|Utrecht|Noord-Brabant|Groningen|Flevoland|Gelderland|"
     "Limburg|Friesland|Zeeland",
     "Dorpsstraat|Kerkstraat|Molenweg|Schoolstraat|Prinsengracht|Koningsweg|Ijsselmeerdijk", "(0##) #######",
     "(06) ########", "N### AA", "BSN", "########", nullptr, nullptr},
    {"NO", "Norway", "Øyvind|Jørgen|Håkon|Sindre|Magnus|Ørjan|Aksel|Emil",
     "Åse|Ingrid|Solveig|Kari|Sigrid|Mari|Nora|Tuva",
     "Hansen|Johansen|Olsen|Larsen|Andersen|Pedersen|Nilsen|Kristiansen|Jensen|Karlsen|Haugen|"
     "Bjørnstad|Sæther|Østby",
     "Oslo|Bergen|Trondheim|Stavanger|Drammen|Fredrikstad|Kristiansand|Tromsø|Ålesund|Bodø",
     "Oslo|Vestland|Trøndelag|Rogaland|Viken|Agder|Troms og Finnmark|Møre og Romsdal|"
     "Nordland|Innlandet",
     "Storgata|Kirkeveien|Skolegata|Fjordveien|Bjørnstjerne Bjørnsons gate|Sørlandsveien|"
     "Åsveien",
     "########", "4#######", "N###", "FN", "###########", nullptr, nullptr},
    {"NZ", "New Zealand", "Oliver|Jack|Leo|Hunter|Noah|Ari|Nikau|Tāne",
     "Isla|Charlotte|Amelia|Aria|Maia|Ruby|Harper|Mārama",
     "Smith|Wilson|Williams|Brown|Taylor|Ngata|Parata|Walker|Robinson|Thompson|Wright|Clark",
     "Auckland|Wellington|Christchurch|Hamilton|Tauranga|Dunedin|Palmerston North|Napier|"
     "Nelson|Rotorua|Whanganui",
     "Auckland|Wellington|Canterbury|Waikato|Bay of Plenty|Otago|Manawatu-Wanganui|"
     "Hawke's Bay|Nelson|Southland",
     "Queen Street|Cuba Street|Colombo Street|Victoria Street|Great South Road|"
     "Karangahape Road|Te Irirangi Drive",
     "(###)-###-####", "(###)-###-####", "N###", "", "", nullptr, nullptr},
    {"RS", "Serbia",
     "Милош=milos|Никола=nikola|Стефан=stefan|Лука=luka|Марко=marko|Душан=dusan|Вук=vuk|"
     "Ђорђе=djordje",
     "Јована=jovana|Милица=milica|Ана=ana|Теодора=teodora|Јелена=jelena|Софија=sofija|"
     "Марија=marija|Катарина=katarina",
     "Јовановић=jovanovic|Петровић=petrovic|Николић=nikolic|Марковић=markovic|"
     "Ђорђевић=djordjevic|Стојановић=stojanovic|Илић=ilic|Станковић=stankovic|"
     "Павловић=pavlovic|Милошевић=milosevic",
     "Београд|Нови Сад|Ниш|Крагујевац|Суботица|Зрењанин|Панчево|Чачак|Нови Пазар|Краљево",
     "Београд|Јужнобачки|Нишавски|Шумадијски|Севернобачки|Средњобанатски|Јужнобанатски|"
     "Моравички|Рашки|Златиборски",
     "Краља Милана|Кнез Михаилова|Булевар ослобођења|Цара Душана|Немањина|Његошева", "0##-####-###", "06#-####-###",
     "N####", "SID", "#########", nullptr, nullptr},
    {"TR", "Turkey", "Şükrü|Mehmet|Mustafa|Ahmet|Emre|Oğuz|Çağlar|İbrahim",
     "Ayşe|Fatma|Zeynep|Elif|Gülşen|Özlem|Şebnem|Büşra",
     "Yılmaz|Kaya|Demir|Şahin|Çelik|Yıldız|Öztürk|Aydın|Özdemir|Arslan|Doğan|Kılıç",
     "İstanbul|Ankara|İzmir|Bursa|Antalya|Konya|Adana|Şanlıurfa|Gaziantep|Kocaeli|Eskişehir",
     "İstanbul|Ankara|İzmir|Bursa|Antalya|Konya|Adana|Şanlıurfa|Gaziantep|Kocaeli",
     "Atatürk Cd|İstiklal Cd|Bağdat Cd|Fatih Sk|Cumhuriyet Cd|Kuşkavağı Cd|Şehitler Cd", "(###)-###-####",
     "(###)-###-####", "N####", "", "", nullptr, nullptr},
    {"UA", "Ukraine",
     "Ярослав=yaroslav|Богдан=bogdan|Тарас=taras|Олег=oleg|Андрій=andriy|"
     "Святослав=svyatoslav|Остап=ostap|Мирослав=myroslav",
     "Олена=olena|Оксана=oksana|Ярина=yaryna|Марія=mariya|Соломія=solomiya|"
     "Людмила=lyudmyla|Христина=khrystyna|Зоряна=zoryana",
     "Шевченко=shevchenko|Коваленко=kovalenko|Бондаренко=bondarenko|Ткаченко=tkachenko|"
     "Кравченко=kravchenko|Олійник=oliynyk|Мельник=melnyk|Грищенко=hryshchenko|"
     "Лисенко=lysenko|Гнатюк=hnatyuk",
     "Київ|Харків|Одеса|Дніпро|Львів|Запоріжжя|Житомир|Вінниця|Полтава|Чернігів|Ужгород",
     "Київська|Харківська|Одеська|Дніпропетровська|Львівська|Запорізька|Житомирська|"
     "Вінницька|Полтавська|Чернігівська|Закарпатська",
     "Хрещатик|Шевченка|Січових Стрільців|Лесі Українки|Богдана Хмельницького|Замкова", "(0##) ###-####",
     "(09#) ###-####", "N####", "", "", nullptr, nullptr},
    {"US", "United States", "James|Michael|Robert|Dwayne|Brandon|Tyler|Gene|Dale",
     "Jennie|Mary|Patricia|Jessica|Ashley|Brittany|Peggy|Tamara",
     "Nichols|Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Garcia|Wilson|Anderson|Thomas",
     "Billings|Seattle|Austin|Denver|Columbus|Fresno|Tulsa|Omaha|Raleigh|Tacoma|Boise",
     "Michigan|Washington|Texas|Colorado|Ohio|California|Oklahoma|Nebraska|North Carolina|"
     "Idaho|Montana",
     "Valwood Pkwy|Hickory Creek Dr|Depaul Dr|Pecan Acres Ln|Mockingbird Hill|Shady Ln Dr|"
     "W Dallas St",
     "(N##) ###-####", "(N##) ###-####", "N####", "SSN", "###-##-####", nullptr, nullptr},
};

}  // namespace

std::span<const RawNationality> raw_nationalities() { return kNationalities; }

}  // namespace kascade::generator_tables
